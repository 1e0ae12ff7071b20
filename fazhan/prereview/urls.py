from django.urls import path

from fazhan.prereview import views

app_name = "prereview"
urlpatterns = [
    path("forms/", views.register, name="register"),
    path("forms/receive/", views.form_receive_view, name="receive"),
    path("forms/<int:pk>/return/", views.form_return_view, name="return"),
    path("forms/reconcile/<int:year>/", views.reconcile, name="reconcile"),
]
urlpatterns += [
    path("prereview/", views.batch_queue_view, name="batches"),
    path("prereview/new/", views.batch_new, name="batch_new"),
    path("prereview/<int:pk>/", views.batch_detail, name="batch"),
    path("prereview/items/<int:pk>/decide/", views.item_decide_view, name="decide"),
    path("prereview/items/<int:pk>/issue/", views.item_issue_view, name="item_issue"),
]
