"""A merge moves the merged-away contact's sequence enrollments (one per sequence is kept:
the survivor's, when both were in the same sequence)."""

from rapport.merge.registry import RelationMove, merge_handler_register
from rapport.sequences.models import Enrollment

merge_handler_register(
    RelationMove(Enrollment, "contact", label="sequence enrollments", unique_with=("sequence",))
)
