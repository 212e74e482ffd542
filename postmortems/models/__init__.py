"""Debrief's models, one module per aggregate."""
from .actions import ActionItem, ActionItemChange, Reminder
from .digests import Digest
from .postmortems import BlameAcknowledgement, ContributingFactor, PostMortem, Revision, Theme, TimelineEvent
from .tallies import NamedThemeUse, ThemeTally
from .teams import Membership, Profile, Team

__all__ = [
    "ActionItem",
    "ActionItemChange",
    "BlameAcknowledgement",
    "ContributingFactor",
    "Digest",
    "Membership",
    "NamedThemeUse",
    "PostMortem",
    "Profile",
    "Reminder",
    "Revision",
    "Team",
    "Theme",
    "ThemeTally",
    "TimelineEvent",
]
