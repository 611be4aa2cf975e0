"""The council register (议事会成员名册): a thin adapter over the participation app's selectors.

A council decision's member counts are not typed in: the members in office come from the
register of the community's residents' council on the meeting day, and the members present
from the meeting's sign-in when it was held on the platform. Every read of the participation
app from this app goes through here (imported late, so the apps' migrations stay apart).
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class HeldMeeting:
    meeting_id: int
    title: str
    held_on: date
    in_office: int
    present: int


def members_in_office(community_code: str, on: date) -> int:
    """Members of the community's residents' council in office on ``on`` (0: no register)."""
    from shequ.participation.selectors import register_size

    return register_size(community_code, on)


def meeting_held(community_code: str, meeting_id: int) -> HeldMeeting | None:
    """A council meeting of the community that was opened, with its counts; None else."""
    from shequ.participation.selectors import meeting_held as held

    found = held(community_code, meeting_id)
    if found is None:
        return None
    return HeldMeeting(found.meeting_id, found.title, found.held_on, found.in_office, found.present)


def meetings_held(community_code: str) -> list[HeldMeeting]:
    """The community's held council meetings, newest first (for choosing one)."""
    from shequ.participation.selectors import meetings_held as held

    return [
        HeldMeeting(m.meeting_id, m.title, m.held_on, m.in_office, m.present)
        for m in held(community_code)
    ]
