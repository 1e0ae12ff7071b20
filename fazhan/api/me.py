from ninja import Router

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_assignments
from fazhan.api.schemas import MeOut, responses

router = Router(tags=["me"])


@router.get("", response=responses({200: MeOut}), summary="令牌所属用户及其角色")
def me(request):
    user = request.user
    return {
        "username": user.username,
        "full_name": user.full_name,
        "roles": [
            {"role": a.role, "role_label": str(Role(a.role).label), "org": a.org.code}
            for a in user_assignments(user)
        ],
    }
