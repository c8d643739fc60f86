"""Roles: codes that grant them once, commands nobody else can tell exist, revoking, audit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.service import ConversationService
from bot.staff.access import CODE_REFUSED, CODE_TRIES_LOCKED
from bot.staff.tokens import digest
from storage.db import Database
from storage.models import AccessCode, AuditEntry, Role
from storage.roles import ADMIN, WORKER, Grant
from tests.bot.staff.people import (
    Person,
    add_campaign,
    add_code,
    become_admin,
    become_worker,
    texts_of,
    theme_question,
    worker_code_of,
)
from tests.conftest import FixedClock

STAFF_COMMANDS = ("/admin", "/werker", "/werkercode Team", "/intrekken", "/export", "/stats",
                  "/uitnodiging", "/mijnuitnodigingen")


def _roles(db: Database) -> list[tuple[str, str, str | None, bool]]:
    with db.transaction() as session:
        rows = session.scalars(select(Role).order_by(Role.role))
        return [(r.participant_id, r.role, r.team, r.revoked_at is None) for r in rows]


def _audit(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    with db.transaction() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.actor, r.action, r.detail) for r in rows]


def _looks_unknown(person: Person, command: str) -> bool:
    """Whether `command` gets exactly what a command that does not exist gets, in the same
    spot of the conversation (a newcomer is greeted once first, so that is done before)."""
    person.command("/bestaatniet")
    return person.command(command) == person.command("/bestaatniet")


def test_an_operator_code_makes_an_admin_once(service: ConversationService, db: Database,
                                              clock: FixedClock) -> None:
    code = add_code(db, clock.now, Grant(ADMIN, None, None))
    ada = Person(service, "ada")

    replies = ada.command(f"/admin {code}")

    assert "beheerder" in texts_of(replies)[0]
    assert _roles(db) == [(ada.participant_id, ADMIN, None, True)]
    assert _audit(db)[-1][:2] == (ada.participant_id, "role_granted")
    assert _looks_unknown(Person(service, "eve"), f"/admin {code}")
    assert len(_roles(db)) == 1


def test_codes_are_random_enough_and_stored_only_as_a_hash(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    admin = become_admin(service, db, clock.now)
    code = worker_code_of(admin.command("/werkercode Wijkteam Oost"))

    assert len(code) >= 22  # secrets.token_urlsafe(16): 128 bits
    with db.transaction() as session:
        stored = [(c.code_hash, c.team) for c in session.scalars(select(AccessCode))]
    assert (digest(code), "Wijkteam Oost") in stored


def test_a_thousand_guessed_codes_do_nothing_and_look_like_unknown_commands(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    real = add_code(db, clock.now, Grant(ADMIN, None, None))
    mallory = Person(service, "mallory")
    mallory.command("/bestaatniet")
    unknown = mallory.command("/bestaatniet")
    guesses = [f"{command} {real[:-3]}{n:03d}" for n in range(500)
               for command in ("/admin", "/werker")]

    replies = [mallory.command(guess) for guess in guesses]

    assert all(reply == unknown for reply in replies)
    assert _roles(db) == []
    # Five wrong codes are audited, then tries stop for an hour: the rest are not even tried.
    assert [action for _, action, _ in _audit(db)] == [CODE_REFUSED] * 5 + [CODE_TRIES_LOCKED]
    assert "beheerder" in texts_of(Person(service, "ada").command(f"/admin {real}"))[0]


def test_five_wrong_codes_in_an_hour_stop_tries_for_an_hour_without_saying_so(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    real = add_code(db, clock.now, Grant(ADMIN, None, None))
    mallory = Person(service, "mallory")
    for n in range(4):
        assert _looks_unknown(mallory, f"/{'admin' if n % 2 else 'werker'} wrong{n}")
        clock.advance(minutes=10)
    assert _looks_unknown(mallory, "/admin wrong4")
    assert _audit(db)[-1] == (mallory.participant_id, CODE_TRIES_LOCKED,
                              {"tries": 5, "until": (clock.now + timedelta(hours=1)).isoformat(),
                               "channel": "terminal"})

    clock.advance(minutes=59)
    assert _looks_unknown(mallory, f"/admin {real}")
    assert _roles(db) == []
    clock.advance(minutes=1)

    assert "beheerder" in texts_of(mallory.command(f"/admin {real}"))[0]
    assert [a for _, a, _ in _audit(db)].count(CODE_TRIES_LOCKED) == 1


def test_four_wrong_codes_or_five_spread_over_more_than_an_hour_lock_nothing(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    slow = Person(service, "slow")
    for n in range(8):
        slow.command(f"/admin wrong{n}")
        clock.advance(minutes=16)
    typo = Person(service, "typo")
    for n in range(4):
        typo.command(f"/werker wrong{n}")
    code = add_code(db, clock.now, Grant(WORKER, "Team", None))
    admin_code = add_code(db, clock.now, Grant(ADMIN, None, None))

    assert "Team" in texts_of(typo.command(f"/werker {code}"))[0]
    assert "beheerder" in texts_of(slow.command(f"/admin {admin_code}"))[0]
    assert CODE_TRIES_LOCKED not in [action for _, action, _ in _audit(db)]


def test_tries_after_a_lockout_count_afresh(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    mallory = Person(service, "mallory")
    for n in range(5):
        mallory.command(f"/admin wrong{n}")
    clock.advance(hours=1)
    for n in range(4):
        mallory.command(f"/admin again{n}")
    code = add_code(db, clock.now, Grant(ADMIN, None, None))

    assert "beheerder" in texts_of(mallory.command(f"/admin {code}"))[0]


def test_expired_used_and_other_role_codes_look_like_unknown_commands(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    expired = add_code(db, clock.now, Grant(ADMIN, None, None), days=1)
    worker_code = add_code(db, clock.now, Grant(WORKER, "Team", None))
    clock.advance(days=2)
    someone = Person(service, "someone")

    assert _looks_unknown(someone, f"/admin {expired}")
    assert _looks_unknown(someone, f"/admin {worker_code}")
    assert _looks_unknown(someone, "/admin")
    assert _looks_unknown(someone, "/werker")
    assert "Team" in texts_of(someone.command(f"/werker {worker_code}"))[0]


def test_staff_commands_without_the_role_are_unknown_commands(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    admin = become_admin(service, db, clock.now)
    worker = become_worker(service, admin)
    add_campaign(db, clock.now)
    resident = Person(service, "resident")

    for command in STAFF_COMMANDS:
        assert _looks_unknown(resident, command), command
    for command in ("/werkercode Team", "/intrekken Team", "/export", "/stats"):
        assert _looks_unknown(worker, command), command
    assert [r for r in _roles(db) if r[1] == WORKER] == [
        (worker.participant_id, WORKER, "Wijkteam Oost", True)]


def test_a_forwarded_admin_code_does_nothing(service: ConversationService, db: Database,
                                             clock: FixedClock) -> None:
    code = add_code(db, clock.now, Grant(ADMIN, None, None))
    bram = Person(service, "bram")

    bram.command("/bestaatniet")

    replies = bram.command(f"/admin {code}", forwarded=True)

    assert replies == bram.command("/bestaatniet")
    assert _roles(db) == []
    # The code was not used up: the one it was meant for can still use it.
    assert "beheerder" in texts_of(Person(service, "ada").command(f"/admin {code}"))[0]


def test_a_revoked_worker_loses_every_worker_command(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    add_campaign(db, clock.now)
    admin = become_admin(service, db, clock.now)
    worker = become_worker(service, admin)
    question = theme_question(worker.command("/uitnodiging"))
    unused = worker_code_of(admin.command("/werkercode Wijkteam Oost"))

    revoked = admin.command("/intrekken wijkteam oost")

    assert "1" in texts_of(revoked)[0]
    assert _looks_unknown(worker, "/uitnodiging")
    assert _looks_unknown(worker, "/mijnuitnodigingen")
    stale = worker.press(question["choices"][0]["id"], question["token"])
    # The old theme button is any stale button now: the story's question is asked again.
    assert stale[-1]["question"] == "_consent" and not any(r["kind"] == "photo" for r in stale)
    assert _looks_unknown(Person(service, "late"), f"/werker {unused}")
    actions = [action for _, action, _ in _audit(db)]
    assert actions == ["role_granted", "code_created", "role_granted", "code_created",
                       "role_revoked", "codes_voided", CODE_REFUSED]


def test_revoke_one_worker_by_pseudonym_and_list_workers(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    admin = become_admin(service, db, clock.now)
    wim = become_worker(service, admin, "wim")
    fee = become_worker(service, admin, "fee")

    listing = texts_of(admin.command("/intrekken"))[0]
    assert wim.participant_id in listing and fee.participant_id in listing
    admin.command(f"/intrekken {wim.participant_id}")

    assert {(r[0], r[3]) for r in _roles(db) if r[1] == WORKER} == {
        (wim.participant_id, False), (fee.participant_id, True)}
    revoked = [d for _, action, d in _audit(db) if action == "role_revoked"]
    assert revoked == [{"participant": wim.participant_id, "role": WORKER,
                        "team": "Wijkteam Oost", "via": "chat"}]


def test_a_worker_code_without_a_team_explains_itself(
    service: ConversationService, db: Database, clock: FixedClock
) -> None:
    admin = become_admin(service, db, clock.now)

    replies = admin.command("/werkercode")

    assert "/werkercode Wijkteam Oost" in texts_of(replies)[0]
    assert [a for _, a, _ in _audit(db)] == ["role_granted"]


def test_secret_replies_are_deleted_once_sent(service: ConversationService, db: Database,
                                              clock: FixedClock) -> None:
    admin = become_admin(service, db, clock.now)

    code = worker_code_of(admin.command("/werkercode Wijkteam Oost"))

    from storage.models import OutboxMessage

    with db.transaction() as session:
        kept = [row.payload["text"] for row in session.scalars(select(OutboxMessage))]
    assert kept and all(code not in text for text in kept)
