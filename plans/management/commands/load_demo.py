"""Demo users and, when the seed plan is loaded, ten months of made-up monthly updates for it.

Everything made here is for trying the tracker locally: refused when DEBUG is off, every update and
piece of evidence is marked `is_demo` and its narrative says "(Demo data)", and running it again
replaces the demo updates instead of adding to them.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from plans.models import Action, Membership, Plan, RoleHolder
from plans.versioning import bump_plan_version

# Demo accounts, listed in the README. Never for a live service: refused when DEBUG is off.
DEMO_PASSWORD = "demo-password-2019"
SEED_SLUG = "barking-dagenham-ilacs-2019"
DEMO_LEAD_ROLES = ["Director of Operations (CC&S)", "Head of Quality Assurance (CC&S)"]
DEMO_USERS = [
    {"username": "admin", "first_name": "Alex", "last_name": "Admin", "is_staff": True, "is_superuser": True},
    {"username": "manager", "first_name": "Mina", "last_name": "Manager"},
    {"username": "board", "first_name": "Bola", "last_name": "Board-Member"},
    {"username": "lead", "first_name": "Lee", "last_name": "Lead"},
]

# The seed plan's own time: monthly reporting from June 2019 to March 2020.
DEMO_PERIODS = [dt.date(2019 + (5 + i) // 12, (5 + i) % 12 + 1, 1) for i in range(10)]
DEMO_MARK = "(Demo data)"
DEMO_CLOSURE = "Agreed at the Children's Improvement Board of 12 September 2019 (demo data)"
DEMO_CLOSED_AT = (2019, 9, 12, 16, 30)
DEMO_CLOSED = {"3.1", "5.7"}
STATUS = {"B": "blue", "G": "green", "A": "amber", "R": "red"}


@dataclass(frozen=True)
class Story:
    """One action's made-up year: `arc` has a letter per month from June 2019 (B, G, A, R; "." none)."""

    arc: str
    subject: str
    steps: tuple[str, ...] = ()
    issue: str = ""
    done: str = ""
    evidence: tuple[str, ...] = ()


# Each action's story: "<reference> <arc> <subject>", then "! <what puts it at risk>",
# "= <what complete means>", "@ <evidence title>" (the first for the Blue update) and "- <progress>"
# lines, one a month in turn (then general ones); a line starting with two spaces continues the last.
STORIES_TEXT = """
1.1 GGGGAGB the independent review of the Early Help offer
! the reviewer's availability slipped by four weeks
= the review's final report and the Early Help response were agreed
@ Independent review of Early Help: final report
@ Early Help review: terms of reference
- Terms of reference for the independent review were agreed and interviews with the Early Help locality teams
  began.
- The reviewer observed MASH and Early Help triage meetings and read a sample of {n} family plans.
- Focus groups with parents and partner agencies took place in three localities.
- Draft findings were shared with the Early Help management team for factual accuracy.
- The final report was delayed while the reviewer added analysis of step-down from social care.
- The report was received and its recommendations were mapped against the Early Help strategy.
- The Early Help response to the review was agreed by the Children's Improvement Board.

1.2 GGGAAGGB the QA framework in Early Help
! audit completion in Early Help is well below target because of vacancies
= Early Help audits are part of the monthly QA cycle
@ Monthly QA report: Early Help section
@ Early Help audit tool
- The Children's Care and Support QA framework was adapted for Early Help, with an audit tool agreed with
  practice leads.
- Team managers completed the first themed audit of Early Help cases.
- Two senior practitioners were realigned to support audit moderation.
- Moderation found inconsistent grading between auditors; a calibration workshop is planned.
- Audit completion in Early Help was {p}% this month.
- The calibration workshop was held and moderation is now consistent.
- Early Help audit findings now appear in the monthly QA report beside social care's.
- The January QA report included Early Help audits for the first time.

1.3 GGGGGGAGGG MASH and Early Help performance
! a winter rise in contacts stretched MASH decision timeliness
@ MASH performance dashboard
@ Multi-agency audit of MASH decisions
- The enhanced MASH dashboard went live, showing contacts, conversion rates and decision timeliness.
- The monthly MASH performance meeting reviewed re-referrals to Early Help.
- A multi-agency audit of {n} MASH decisions found thresholds applied consistently in most cases.
- Step-down from social care to Early Help was tracked for the first time.
- Early Help and MASH managers held a joint workshop on thresholds.
- Conversion from contact to referral was steady this month.
- Contacts to the MASH rose sharply; decisions within 24 hours fell to {p}%.
- A temporary extra MASH social worker was agreed for the winter.

1.4 GGAAGB the 16 and 17-year-old homelessness protocol
! legal sign-off was held up by a query on joint assessment duties
= the revised protocol was published and adopted by housing and social care
@ Joint protocol for homeless 16 and 17-year-olds
@ Protocol scoping note
- Housing and Children's Care and Support agreed the scope of the revised protocol against national guidance.
- Young people from the Children in Care Council commented on the draft protocol.
- Legal sign-off of the draft was held up by a query on joint assessment duties.
- The legal query is still open; housing and social care are meeting weekly to resolve it.
- The query was resolved, the protocol amended and briefings for housing and social care staff booked.
- The protocol was signed off by both directors, published and adopted.

1.5 GGGGGGGAAG workforce development in Early Help
! training places for the third cohort were cancelled at short notice
@ Early Help training plan 2019–20
- Early Help practitioners joined the social care practice development programme.
- Signs of Safety foundation training was scheduled for {n} Early Help staff.
- The first two cohorts completed Signs of Safety training.
- Early Help managers began attending the monthly practice learning sessions.
- Supervision templates in Early Help were aligned with the social care practice standards.
- Early Help staff joined the new practice observation programme.
- The neglect toolkit training was opened to Early Help staff.
- Training places for the third cohort were cancelled at short notice.
- The third cohort was rebooked for March.

2.1 GB the refreshed supervision policy
= the supervision policy is launched and in use
@ Supervision policy 2019
- The refreshed supervision policy was drafted with team managers.
- The supervision policy was launched at the managers' forum and published on the intranet.

2.2 GGG.GGGGGG management oversight on case files
- Team managers now record a management oversight note at each key decision.
- A dip-sample of {n} case files checked that oversight notes say what must happen next and by when.
- Oversight recording was added to the monthly performance clinic.
- {p}% of case files audited this month showed clear management direction.

2.3 GGGGGGGGGG the quality of supervision
- Monthly audits of supervision records began.
- {p}% of supervision records audited this month were rated good or better.
- Group supervision was introduced in the assessment teams.

2.4 GGAGGGGGGG the monthly practice learning sessions
! attendance fell over the summer holidays
@ Practice learning sessions: programme for 2019–20
- The first front-line manager practice learning session covered reflective supervision; {n} managers attended.
- Practice observations began, starting with observations of supervision.
- Attendance fell over the summer holidays; sessions are now recorded for those who missed them.
- Attendance recovered and practice observations now cover home visits as well as supervision.
- Managers rated the sessions 4.3 out of 5 in this month's feedback.

2.5 GGGB the statutory checkpoints
= the checkpoints are live and compliance is reported weekly
@ Statutory checkpoints: practice guidance
@ Checkpoints: design note
- Checkpoints at 10 days, 6 weeks and 3 months were designed for children in statutory services.
- The checkpoints were built into the case recording system as workflow steps.
- Team managers were briefed and the checkpoints went live in all assessment teams.
- The checkpoints are in use across the service and compliance is reported weekly.

2.6 AARAAGGGGG the quality of child protection plans
! the quarterly audit found too few child protection plans were SMART
@ Quarterly audit of child protection plans
@ Child protection plan template
- The child protection plan template was revised with SMART outcomes and contingency plans.
- Child protection chairs began quality-assuring plans at each conference.
- The quarterly audit found only {p}% of plans SMART; many contingency plans were generic.
- A workshop on writing SMART plans was held for {n} social workers.
- Chairs now return plans that are not SMART within 5 working days.
- The quarterly audit found {p}% of plans SMART, up from the summer.

3.1 B the Permanence Taskforce
= the Permanence Taskforce is established and meets monthly
@ Permanence Taskforce: terms of reference
- The Permanence Taskforce met for the first time in May and now meets monthly, chaired by the Director of
  Operations; every child with a plan for permanence is tracked.

3.2 AAGB the PLO performance dashboard
! pre-proceedings data needed cleansing before the dashboard could be trusted
= the PLO dashboard is live and reported monthly
@ PLO performance dashboard
- The data items for the PLO dashboard were agreed with Legal Services.
- Building the dashboard was delayed while pre-proceedings data was cleansed.
- A test version of the dashboard was reviewed at legal SMT.
- The PLO dashboard is live and reported monthly to the Permanence Taskforce.

3.3 GARRAGGGB the Legal Workspace roll-out
! the system supplier's releases failed testing, so go-live was postponed
= all PLO cases are managed in the Legal Workspace
@ Legal Workspace: business process maps
@ Legal Workspace: project plan
- Business processes for the Legal Workspace were mapped with social workers and lawyers.
- Configuring the workflows was delayed by the system supplier.
- The supplier's release failed testing and go-live was postponed.
- A second release also failed testing; the supplier has been escalated to the contract manager.
- A fixed release passed testing and training dates were set.
- Training for {n} social workers and managers began.
- The Legal Workspace went live for new pre-proceedings cases.
- Existing cases were moved into the Legal Workspace.
- All PLO cases are managed in the Legal Workspace and checked at the monthly PLO tracking meeting.

3.4 GB CAFCASS attendance at legal SMT
= CAFCASS attends legal SMT every month
@ Legal SMT: terms of reference
- CAFCASS's service manager was invited to legal SMT from June.
- CAFCASS now attends legal SMT monthly, and a named contact handles escalations with the court.

3.6 AGB the review of pre-proceedings cases
! the review started late because the reviewer was appointed in May
= every pre-proceedings case was reviewed and the findings reported
@ Review of pre-proceedings cases: report
@ Pre-proceedings case tracker
- The independent reviewer has read 34 of 52 pre-proceedings cases; the review started later than planned.
- All 52 cases were reviewed and 9 children's plans were escalated to legal planning meetings.
- The review's report was presented to the Permanence Taskforce, and each finding has an owner.

3.7 GAGB child protection plans for children in pre-proceedings
! a check found 4 children in pre-proceedings without a current child protection plan
= every child in pre-proceedings has a child protection plan
@ Pre-proceedings and child protection: process
- The local process was revised so that every child in pre-proceedings also has a child protection plan.
- A check of {n} cases found 4 children without a current child protection plan.
- The 4 children were brought to conference and the process was reissued to all teams.
- Every child in pre-proceedings has a child protection plan, and this is checked monthly.

3.9 GGGGGGB viability and SGO assessments
= the SGO template, training and quality assurance are in place
@ SGO assessment template and guidance
- An SGO assessment template and guidance were drafted with the Family Court.
- Workshops on viability assessments were delivered to {n} social workers.
- The Permanence Taskforce now quality-assures every SGO assessment before it is filed.
- An audit of 12 SGO assessments found most good, with support plans the weakest part.
- Support plans for special guardians were strengthened after the audit.
- The Family Justice Board heard positive feedback from the judiciary on recent assessments.
- The template, training and quality assurance are in place and in use.

3.10 GGGGGAGGGG the permanence policy
! 11 children in care had no permanence plan by their second review
@ Permanence policy
- The permanence policy was launched at an all-staff briefing.
- Team managers checked that every child in care has a permanence plan by the second review.
- The Permanence Taskforce is tracking children without a plan by their second review.
- Independent reviewing officers now escalate any child without a permanence plan.
- Permanence planning meetings are held for every child within 4 months of coming into care.
- 11 children in care had no permanence plan by their second review.

4.1 GGGGGGGGGG oversight of children placed with parents
- Every child placed with parents was listed for review at the Permanence Taskforce.
- Each placement with parents now has a named manager and a review date.
- Applications to discharge care orders were made for 5 children whose placements are stable.

4.2 GGB disruption meetings
= IROs chair every disruption meeting
@ Disruption meetings: protocol
- A disruption meeting protocol was agreed with the fostering service.
- IROs chaired the first 3 disruption meetings and shared the learning with the placements team.
- IROs chair every disruption meeting, and the learning is reported quarterly.

4.3 GGGGGB training on the placement with parents regulations
= the training is delivered and assessments follow the regulations
@ Placement with parents: training record
- Training on the Placement with Parents Regulations was commissioned from the legal team.
- The first two sessions were delivered to {n} staff.
- Further sessions covered the remaining teams.
- A practice guide on placements with parents was issued.
- An audit showed assessments now follow the regulations.
- {p}% of the staff concerned have completed the training.

5.1 GB senior health leaders at CC&S management meetings
= senior health leaders attend the monthly management meeting
@ CC&S management meeting: membership
- CCG and provider leads were invited to Children's Care and Support management meetings.
- Senior health leaders now attend the monthly management meeting.

5.2 GGAA the new local safeguarding arrangements
! the partners have not agreed the funding formula
- The three safeguarding partners agreed a draft of the new local arrangements.
- The draft arrangements were published for comment.
- Agreement between the partners on the funding formula is outstanding.
- The partners have still not agreed the funding formula.

5.3 GGGAB the QA framework in health
! auditors' access to health records had to be agreed with the trust's information governance team
= health audits are part of the multi-agency QA cycle
@ Multi-agency audit schedule
- Health colleagues joined the monthly multi-agency audit.
- A first joint audit of health assessments was completed.
- The audit tool was adapted for health records.
- The health audit schedule slipped while access to records was agreed.
- The first audit of health records under the new schedule was moderated by the Designated Nurse.

5.4 ARRAGB co-location of health and social care staff
! NHS staff could not use the council's network, so the move was delayed
= the LAC health team is co-located with the Children in Care team
@ Co-location: moving plan
- Office space for the looked after children's health team was found at the Town Hall.
- The building works were delayed and health staff cannot yet use the council's network.
- NHS staff still cannot use the council's network; the move is on hold.
- Network access was resolved and the first health staff moved in.
- The LAC nurses sit with the Children in Care team; {p}% of IHAs were within 20 working days.
- Co-location is complete.

5.5 RRAAGGB the IHA process
! IHA timeliness is well below target, with referrals sent late
= the IHA pathway and dashboard are embedded
@ IHA pathway
@ Weekly IHA tracker
- Only {p}% of initial health assessments were completed within 20 working days.
- A new IHA pathway was drafted: consent and referral are now sent on the day a child comes into care.
- The pathway went live and a weekly IHA tracker goes to team managers.
- Timeliness improved; outstanding IHAs are escalated weekly.
- {p}% of IHAs were within 20 working days this month.
- Timeliness held for a second month.
- IHA timeliness stayed above target for a third month; the weekly tracker continues.

5.6 - CAMHS demand and capacity

5.7 B the LAC role in CAMHS
= every team working with children in care was briefed
@ LAC CAMHS: briefing for social care teams
- CAMHS briefed every social care team working with children in care on the LAC CAMHS role and referral route.

5.8 GGGGGGAAGG the health passport
! the digital passport needs a security review before launch
@ Health passport: care leavers' design
- Care leavers co-designed a new health passport in two workshops.
- A digital version was prototyped with the Leaving Care team.
- A draft was tested with 10 care leavers.
- Printing and hosting of the digital version were agreed.
- An audit of passports issued was designed.
- Launch slipped: the digital version needs a security review first.
- The security review is booked for February.
- The security review was passed.
- The passport launched for care leavers turning 18 this quarter.

5.9 GGGGAAGB the public health needs assessment
! late data from a provider delayed the analysis
= the needs assessment was published
@ Health needs of looked after children and care leavers
- The scope of the needs assessment was agreed with Public Health.
- Data sharing agreements were signed with the CCG.
- Analysis of health data for looked after children began.
- Interviews with {n} care leavers took place.
- The analysis was delayed by late data from a provider.
- The data arrived; a draft was shared with partners.
- The draft was revised after partners' comments.
- The Health and Wellbeing Board endorsed the needs assessment and its recommendations.

6.1 GGGAGGB the Graded Care Profile 2
! only half the planned practitioners were trained because sessions were cancelled
= GCP2 is in use across social care and Early Help
@ GCP2 training record
@ Neglect audit
- NSPCC-licensed trainers were booked for the Graded Care Profile 2.
- The first {n} practitioners were trained.
- GCP2 forms were added to the case recording system.
- Only half the planned practitioners have been trained.
- Extra training dates were added.
- An audit of neglect cases found GCP2 used in most.
- GCP2 is used in every new neglect assessment, checked through the monthly audit.

6.2 AAAGGGGGGB the Targeted Intervention Hub
! recruitment to the Hub's posts was slow
= the Hub is fully staffed and running
@ Targeted Intervention Hub: model
- Recruitment to the Hub started; 3 of 8 posts are filled.
- Recruitment continues: 5 of 8 posts are filled.
- Agency staff cover 2 posts while recruitment continues.
- The Hub opened and took its first referrals.
- The Hub is working with {n} families.
- Domestic abuse and neglect pathways into the Hub were agreed with the MASH.
- The Hub's caseload reached {n} families.
- The first evaluation of the Hub was commissioned.
- Early findings show families engaging well.
- The last two posts were filled from permanent recruitment.

6.3 - the local approach to neglect and domestic abuse

6.4 GGGG the pathway between domestic abuse, adult mental health and substance misuse services
- Leads from the three services mapped the current pathway.
- A joint protocol was drafted.
- A multi-agency workshop tested the draft with practitioners.
- The draft protocol was shared with adult mental health for comment.
"""


def _read_stories(text: str) -> dict[str, Story]:
    stories: dict[str, Story] = {}
    for block in text.strip().split("\n\n"):
        lines: list[str] = []
        for line in block.splitlines():
            if line.startswith("  "):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line)
        reference, arc, subject = lines[0].split(" ", 2)
        marked = {mark: [line[2:] for line in lines[1:] if line[0] == mark] for mark in "!=@-"}
        stories[reference] = Story(
            arc=arc.strip("-"),
            subject=subject,
            steps=tuple(marked["-"]),
            issue="".join(marked["!"]),
            done="".join(marked["="]),
            evidence=tuple(marked["@"]),
        )
    return stories


STORIES = _read_stories(STORIES_TEXT)
FILLER = (
    "Progress on {subject} was reviewed at the monthly Improvement Programme Group.",
    "A dip-sample of {n} cases was audited this month; {p}% were rated good or better.",
    "Team managers discussed {subject} at the monthly practice learning session.",
    "Progress on {subject} was reported to the Children's Improvement Board.",
    "The performance clinic looked at {subject} and agreed no new actions were needed.",
)
ON_TRACK = ("On track.", "On track against the plan.", "Remains on track; the next milestone is in hand.")
BOARD_PAPERS = ("Children's Improvement Board minutes", "Monthly performance report", "Practice audit summary")
# Percentages that fit the status they are told with.
PERCENT = {"blue": (90, 99), "green": (75, 89), "amber": (58, 74), "red": (38, 55)}


def _fallback_arc(action: Action, rng: random.Random) -> str:
    """For an action no story was written for: on track to its due month, then Blue."""
    due = action.due_date.replace(day=1) if action.due_date and not action.due_recurrence else None
    arc = ""
    for period in DEMO_PERIODS:
        if due is not None and period >= due:
            return arc + "B"
        arc += "A" if rng.random() < 0.15 else "G"
    return arc


def _governance_models():
    # Through the app registry: `plans` does not import `governance` (the dependencies point the
    # other way); only this local-only demo command writes to both.
    return apps.get_model("governance", "ActionUpdate"), apps.get_model("governance", "Evidence")


def _reason(old: str, new: str, story: Story) -> str:
    issue = story.issue or "capacity in the team was stretched this month"
    if new == "blue":
        return f"Completed: {story.done or 'the action is delivered'}."
    if new == "red":
        return f"Deteriorated: {issue}."
    if new == "amber" and old == "red":
        return "Improving: the main blocker is resolved, but delivery is not yet back on track."
    if new == "amber":
        return f"Slippage: {issue}."
    return "Recovered: the recovery plan worked and the action is back on track."


class Command(BaseCommand):
    help = "Create demo users and demo monthly updates for the seed plan, for trying the tracker. DEBUG only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo is for trying the tracker locally and is refused when DEBUG is off.")
        User = get_user_model()
        for spec in DEMO_USERS:
            fields = {key: value for key, value in spec.items() if key != "username"}
            user, created = User.objects.update_or_create(
                username=spec["username"], defaults=fields | {"email": f"{spec['username']}@example.org"}
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.stdout.write(f"{'Created' if created else 'Updated'} demo user '{user.username}'.")
        # The demo lead holds two of the seed plan's roles, when the seed plan is loaded.
        lead = User.objects.get(username="lead")
        manager = User.objects.get(username="manager")
        seed = Plan.objects.filter(slug=SEED_SLUG).first()
        if seed is not None:
            Membership.objects.update_or_create(
                user=manager, plan=seed, defaults={"kind": Membership.Kind.PLAN_MANAGER}
            )
            Membership.objects.update_or_create(
                user=User.objects.get(username="board"),
                plan=seed,
                defaults={
                    "kind": Membership.Kind.BOARD_MEMBER,
                    "organisation": "North East London NHS Foundation Trust",
                },
            )
            for title in DEMO_LEAD_ROLES:
                role = seed.roles.filter(title=title).first()
                if role is not None:
                    RoleHolder.objects.get_or_create(role=role, user=lead, defaults={"since": seed.published})
            self.stdout.write(f"Demo lead holds: {', '.join(DEMO_LEAD_ROLES)}.")
            updates, evidence = self.load_updates(seed, lead=lead, manager=manager)
            self.stdout.write(
                f"Demo data: {updates} monthly updates and {evidence} evidence links for the seed plan, "
                f"{DEMO_PERIODS[0]:%B %Y} to {DEMO_PERIODS[-1]:%B %Y}."
            )
        # Until per-plan access arrives, the admin may import plans through the web page.
        admin = User.objects.get(username="admin")
        admin.user_permissions.add(Permission.objects.get(codename="add_plan", content_type__app_label="plans"))
        self.stdout.write(self.style.SUCCESS(f"Demo users ready; password for each: {DEMO_PASSWORD}"))

    @transaction.atomic
    def load_updates(self, seed: Plan, *, lead, manager) -> tuple[int, int]:
        """Replace the seed plan's demo updates and evidence, and set the state of the actions they drive."""
        ActionUpdate, Evidence = _governance_models()
        actions = list(seed.actions.with_leads().order_by("order"))
        action_ids = [action.pk for action in actions]
        # Links only, so no stored file to remove. The history rows go too, or the timeline would
        # show the deleted updates again.
        Evidence.objects.filter(action__plan=seed, is_demo=True).delete()
        ActionUpdate.objects.filter(action__plan=seed, is_demo=True).delete()
        Evidence.history.filter(action_id__in=action_ids, is_demo=True).delete()
        ActionUpdate.history.filter(action_id__in=action_ids, is_demo=True).delete()

        # Random only to vary the words and dates, seeded so every run makes the same demo.
        rng = random.Random(2019)  # noqa: S311
        lead_roles = set(DEMO_LEAD_ROLES)
        updates: list[ActionUpdate] = []
        links: list[tuple[ActionUpdate, Evidence]] = []
        final_status: dict[int, str] = {}
        for action in actions:
            story = STORIES.get(action.reference) or Story(_fallback_arc(action, rng), f"action {action.reference}")
            by = lead if lead_roles & {role.title for role in action.lead_roles()} else manager
            previous, step, used = None, 0, set()
            for period, letter in zip(DEMO_PERIODS, story.arc, strict=False):
                if letter not in STATUS:
                    continue
                status = STATUS[letter]
                update = self._update(action, story, period, status, previous, step, by, rng)
                updates.append(update)
                link = self._link(action, story, update, used, rng)
                if link is not None:
                    links.append((update, link))
                previous, step = status, step + 1
            if previous is not None:
                final_status[action.pk] = previous

        bulk_create_with_history(updates, ActionUpdate, batch_size=500)
        for update, link in links:
            link.update = update
        bulk_create_with_history([link for _, link in links], Evidence, batch_size=500)
        self._set_states(seed, actions, final_status, manager)
        return len(updates), len(links)

    def _update(self, action, story: Story, period, status, previous, step, by, rng):
        ActionUpdate, _ = _governance_models()
        numbers = {"n": rng.randint(12, 48), "p": rng.randint(*PERCENT[status]), "subject": story.subject}
        if step < len(story.steps):
            progress = story.steps[step].format(**numbers)
        else:
            progress = rng.choice(FILLER).format(**numbers)
            progress = progress[0].upper() + progress[1:]
        issue = story.issue or "capacity in the team was stretched this month"
        still = previous == status
        clause = {
            "green": rng.choice(ON_TRACK),
            "amber": f"Still at risk: {issue}; the recovery plan is on course."
            if still
            else f"At risk: {issue}. A recovery plan is agreed and checked monthly.",
            "red": f"Still off track: {issue}. The board's help is still needed."
            if still
            else f"Off track: {issue}. The lead asks the board for help to unblock it.",
            "blue": "Complete; the evidence is attached for the board's sign-off.",
        }[status]
        next_steps = {
            "green": rng.choice(
                (
                    f"Continue monthly oversight of {story.subject}.",
                    f"Report progress on {story.subject} to the next Children's Improvement Board.",
                    "Keep to the milestones agreed in the plan.",
                )
            ),
            "amber": "Deliver the recovery plan and report back next month.",
            "red": "Escalate to the Children's Improvement Board and agree the extra help needed.",
            "blue": "Present the evidence to the board for sign-off.",
        }[status]
        risks = issue[0].upper() + issue[1:] + "." if status in ("amber", "red") else ""
        # Submitted in the last week of the month or the first days of the next.
        month_end = (period + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        day = month_end - dt.timedelta(days=6) + dt.timedelta(days=rng.randint(0, 10))
        submitted_at = timezone.make_aware(
            dt.datetime(day.year, day.month, day.day, rng.randint(9, 17), rng.randint(0, 59))
        )
        update = ActionUpdate(
            action=action,
            period=period,
            status=status,
            narrative=f"{DEMO_MARK} {progress} {clause}",
            next_steps=next_steps,
            risks=risks,
            reason=_reason(previous, status, story) if previous and previous != status else "",
            submitted_by=by,
            submitted_at=submitted_at,
            is_demo=True,
        )
        update._history_date, update._history_user = submitted_at, by
        return update

    def _link(self, action, story: Story, update, used: set[str], rng):
        """A link for every Blue update; now and then one for another update."""
        _, Evidence = _governance_models()
        period = update.period
        if update.status == "blue":
            title = story.evidence[0] if story.evidence else f"Completion report: action {action.reference}"
        elif rng.random() < 0.22:
            # The first title is kept for the Blue update, if the story has one.
            titles = story.evidence[1:] if "B" in story.arc else story.evidence
            extra = [title for title in titles if title not in used]
            title = extra[0] if extra else f"{rng.choice(BOARD_PAPERS)}, {period:%B %Y}"
        else:
            return None
        used.add(title)
        if title.startswith(BOARD_PAPERS):
            url = f"https://example.org/childrens-improvement-board/{period:%Y-%m}/{slugify(title.split(',')[0])}"
        else:
            ref = slugify(action.reference.replace(".", "-"))
            url = f"https://intranet.example.org/childrens-improvement/action-{ref}/{period:%Y-%m}/{slugify(title)}"
        evidence = Evidence(
            action=action,
            period=period,
            kind="link",
            title=title,
            evidence_date=period + dt.timedelta(days=rng.randint(4, 20)),
            url=url,
            added_by=update.submitted_by,
            added_at=update.submitted_at,
            is_demo=True,
        )
        evidence._history_date, evidence._history_user = update.submitted_at, update.submitted_by
        return evidence

    def _set_states(self, seed: Plan, actions: list[Action], final_status: dict[int, str], manager) -> None:
        """Blue last → proposed complete (two closed by the board); otherwise open.

        Only actions the demo drives: no update by a person, and not withdrawn, superseded or
        closed by a person.
        """
        ActionUpdate, _ = _governance_models()
        touched_by_people = set(
            ActionUpdate.objects.filter(action__plan=seed, is_demo=False).values_list("action_id", flat=True)
        )
        closed_at = timezone.make_aware(dt.datetime(*DEMO_CLOSED_AT))
        groups: dict[str, list[int]] = {"open": [], "proposed_complete": [], "closed": []}
        for action in actions:
            demo_closed = action.state == Action.State.CLOSED and action.closure_authority == DEMO_CLOSURE
            if action.pk in touched_by_people or not (action.is_working or demo_closed):
                continue
            if final_status.get(action.pk) != "blue":
                target = Action.State.OPEN
            elif action.reference in DEMO_CLOSED:
                target = Action.State.CLOSED
            else:
                target = Action.State.PROPOSED_COMPLETE
            if action.state != target:
                groups[target].append(action.pk)
        cleared = {"closed_by": None, "closed_at": None, "closure_authority": ""}
        bump = {"version": F("version") + 1}
        Action.objects.filter(pk__in=groups["open"]).update(state=Action.State.OPEN, **cleared, **bump)
        Action.objects.filter(pk__in=groups["proposed_complete"]).update(
            state=Action.State.PROPOSED_COMPLETE, **cleared, **bump
        )
        Action.objects.filter(pk__in=groups["closed"]).update(
            state=Action.State.CLOSED, closed_by=manager, closed_at=closed_at, closure_authority=DEMO_CLOSURE, **bump
        )
        bump_plan_version(seed.pk)  # bulk writes and QuerySet.update() send no signals
