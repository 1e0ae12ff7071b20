from django.db import DatabaseError, connection
from django.http import JsonResponse


def healthz(request):
    """For a load balancer or a monitor: the database answers a query. No login, nothing personal."""
    database = connection.vendor
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"ok": False, "database": database, "error": "database unavailable"}, status=503)
    return JsonResponse({"ok": True, "database": database})
