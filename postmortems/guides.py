"""The guided templates: what each section asks of the writer, per incident kind.

Technical incidents ask about services, signals and changes; people incidents
ask the same questions of process, communication, staffing and incentives.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class SectionGuide:
    label: str
    prompt: str
    placeholder: str


TECHNICAL = {
    "summary": SectionGuide(
        "Summary",
        "In two or three sentences: what happened, for how long, and how it ended.",
        "For 40 minutes checkout requests timed out for a third of customers after a "
        "connection-pool change. Rolling the change back restored service.",
    ),
    "impact": SectionGuide(
        "Impact",
        "Who noticed, what they could not do, and the numbers: requests, customers, money, data.",
        "About 12,000 checkout attempts failed; support received 85 tickets; no data was lost.",
    ),
    "timeline_narrative": SectionGuide(
        "Timeline narrative",
        "Tell the story between the timeline entries: what people saw and why their next step made sense then.",
        "The first alert fired for a replica that often flaps, so the on-call checked the dashboard before paging.",
    ),
    "contributing_factors": SectionGuide(
        "Contributing factors",
        "Which conditions in the system made this possible? Think scale, coupling, missing signals and defaults. "
        "Tag each factor with a theme below.",
        "The pool size was tuned for last year's traffic; nothing measured pool saturation.",
    ),
    "went_well": SectionGuide(
        "What went well",
        "What helped: tools, habits and people's judgement that shortened the incident.",
        "The feature flag let us turn the new path off without a deploy.",
    ),
    "got_lucky": SectionGuide(
        "Where we got lucky",
        "What could have made this worse but happened not to? Luck is a risk we have not designed for yet.",
        "The incident started an hour before the evening peak.",
    ),
    "lessons": SectionGuide(
        "Lessons",
        "What does the system, not any one person, need to learn? Link each lesson to an action item.",
        "Capacity limits need an alert before they need a post-mortem.",
    ),
}

PEOPLE = {
    "summary": SectionGuide(
        "Summary",
        "In two or three sentences: what broke down between people or teams, for how long, and how it ended.",
        "A customer escalation waited five days because the hand-off between support and "
        "engineering happened in a chat thread nobody owned.",
    ),
    "impact": SectionGuide(
        "Impact",
        "Who was affected and how: customers, colleagues, candidates, trust, time, workload.",
        "The customer renewed late; two engineers worked a weekend to catch up.",
    ),
    "timeline_narrative": SectionGuide(
        "Timeline narrative",
        "Tell the story: what each person knew at each moment, and why their choices made sense with that knowledge.",
        "The request arrived during a reorganisation, when the usual triage meeting had been paused.",
    ),
    "contributing_factors": SectionGuide(
        "Contributing factors",
        "Which parts of the organisation made this likely? Process, communication paths, staffing, incentives, "
        "unclear ownership, growth. Tag each factor with a theme below.",
        "Triage ownership rotated weekly but the rota lived in one manager's calendar.",
    ),
    "went_well": SectionGuide(
        "What went well",
        "Which habits, relationships or decisions helped once the problem was seen?",
        "The account manager flagged the risk early and stayed in touch with the customer daily.",
    ),
    "got_lucky": SectionGuide(
        "Where we got lucky",
        "What could have made this worse but happened not to?",
        "The customer had a personal relationship with our support lead and gave us time.",
    ),
    "lessons": SectionGuide(
        "Lessons",
        "What does the organisation need to learn? Blameless: about the system of work, not about individuals.",
        "Hand-offs that cross teams need an owner who is named in the ticket, not in a chat.",
    ),
}

GUIDES = {"technical": TECHNICAL, "people": PEOPLE}


def guide_for(kind):
    """The section guides for an incident kind (technical when unknown)."""
    return GUIDES.get(kind, TECHNICAL)
