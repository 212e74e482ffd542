"""Debrief's models, one module per aggregate."""
from .actions import ActionItem
from .postmortems import ContributingFactor, PostMortem, Revision, Theme, TimelineEvent
from .teams import Membership, Profile, Team

__all__ = [
    "ActionItem",
    "ContributingFactor",
    "Membership",
    "PostMortem",
    "Profile",
    "Revision",
    "Team",
    "Theme",
    "TimelineEvent",
]
