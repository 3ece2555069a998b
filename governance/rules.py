"""Who may do what with the board's business (django-rules; plan-wide rules are in plans.rules).

- Challenges: board members and plan managers raise them; a lead of the action (or a plan manager)
  responds; the board (a board member or a plan manager) closes them.
- Meetings, decisions, reminders and data-feed tokens are the plan manager's (`plans.manage_plan`).
"""

import rules

from plans.rules import is_board_member, is_plan_manager, leads_action

rules.add_perm("governance.raise_challenge", is_board_member | is_plan_manager)
rules.add_perm("governance.respond_challenge", leads_action | is_plan_manager)
rules.add_perm("governance.close_challenge", is_board_member | is_plan_manager)
