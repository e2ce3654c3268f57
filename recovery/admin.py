"""Nothing of the recovery app is registered in the admin, on purpose.

A safety plan is read by its owner only: not by moderators, not by staff, and
so not through the admin either (DESIGN.md, "their own plan").
"""
