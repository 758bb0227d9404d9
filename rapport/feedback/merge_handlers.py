"""A merge moves survey invitations, and with them the answers they hold."""

from rapport.feedback.models import SurveyInvite
from rapport.merge.registry import RelationMove, merge_handler_register

merge_handler_register(RelationMove(SurveyInvite, "contact", label="survey invitations"))
