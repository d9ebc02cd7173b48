"""Who may curate a scope's FAQs: the platform's own admins, or members of the admin group the
scope configured (a Discord role, a Slack user group). Checked server-side on every admin
command, button and form submission: an id in a button can be forged.

The platform says whether the member is one of its admins and which groups they are in;
the rule and the per-scope setting live here.
"""

from __future__ import annotations

from collections.abc import Callable

from faq.scope_config import ScopeConfigs


async def is_admin(configs: ScopeConfigs, scope: str, *, platform_admin: bool, in_group: Callable[[str], bool]) -> bool:
    if platform_admin:
        return True
    config = await configs.get(scope)
    return config.admin_role is not None and in_group(config.admin_role)
