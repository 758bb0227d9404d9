"""A merge moves portal sign-in links, so a link mailed to the removed contact signs in the
survivor. A visitor signed in as the removed contact is signed out (their cookie names a
contact that no longer exists) and signs in again with their email, now the survivor's."""

from rapport.merge.registry import RelationMove, merge_handler_register
from rapport.portal.models import PortalLink

merge_handler_register(RelationMove(PortalLink, "contact", label="portal sign-in links"))
