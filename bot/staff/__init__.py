"""Admins and social workers: roles, codes, invites, campaigns, exports and stats in chat."""

from bot.staff.desk import StaffDesk, StaffOutput
from bot.staff.turn import StaffOptions

__all__ = ["StaffDesk", "StaffOptions", "StaffOutput"]
