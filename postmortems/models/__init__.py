"""Debrief's models, one module per aggregate."""
from .actions import ActionItem, ActionItemChange, Reminder
from .digests import Digest
from .postmortems import BlameAcknowledgement, ContributingFactor, PostMortem, Revision, Theme, TimelineEvent
from .teams import Membership, Profile, Team

__all__ = [
    "ActionItem",
    "ActionItemChange",
    "BlameAcknowledgement",
    "ContributingFactor",
    "Digest",
    "Membership",
    "PostMortem",
    "Profile",
    "Reminder",
    "Revision",
    "Team",
    "Theme",
    "TimelineEvent",
]
