"""One inbound message, one transaction: dedupe, load state, run the engine, store, queue."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.channel_records import ChannelRecords, sent_question_in
from bot.channels.messages import (
    Answered,
    InboundMessage,
    Payload,
    QueuedMessage,
    Text,
    payload_from_dict,
    payload_of,
)
from bot.intake import Intake
from bot.staff import StaffDesk, StaffOptions, StaffOutput
from bot.staff.admission import StoryTags, admit, story_tags
from bot.staff.desk import STATE_KEY
from flows.context import (
    AnswerWordsLike,
    Context,
    IntentParserLike,
    LanguageDetector,
    LanguageNamer,
    Scrubbed,
)
from flows.engine import command_name, run_turn
from flows.events import (
    CommandIn,
    EraseParticipant,
    Inbound,
    NoteHelpLines,
    PostponeCheckIn,
    RecordConsent,
    SaveAbout,
    SaveAnswer,
    SaveCheckInAnswer,
    SaveStory,
    SaveTitle,
    ScheduleFollowUps,
    SetLanguage,
    StopCheckIns,
    TurnResult,
)
from flows.forms.schema import Form
from flows.state import State
from flows.texts import Texts
from storage import checkins, send_queue, turns
from storage import repositories as repo
from storage.crypto import AddressCipher
from storage.db import Database
from storage.models import OutboxMessage
from storage.pseudonyms import pseudonym
from storage.turns import LoadedParticipant

log = logging.getLogger(__name__)
# A resident busy with a story is asked about the earlier one a little later.
POSTPONE = timedelta(hours=1)
# Encrypted addresses kept in memory for the outbox (the plain ones arrive with each message).
SEALED_KEPT = 10_000


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def new_story_id() -> str:
    """A random story id."""
    return uuid.uuid4().hex


@dataclass(slots=True)
class Collaborators:
    """Pure functions the engine is given: scrubbing, NLU, language, safety."""

    scrub: Callable[[str, str], Scrubbed] = field(default=lambda text, language: Scrubbed(text))
    show_placeholders: Callable[[str, str], str] = field(default=lambda text, language: text)
    nlu: IntentParserLike | None = None
    answers: AnswerWordsLike | None = None
    detect_language: LanguageDetector | None = None
    guess_language: LanguageDetector | None = None
    language_named: LanguageNamer | None = None
    mentions_danger: Callable[[str], bool] = field(default=lambda text: False)


class ConversationService:
    """Runs turns for every channel; the database is the only source of truth."""

    def __init__(
        self,
        db: Database,
        form: Form,
        texts: Texts,
        secret_key: str,
        cipher: AddressCipher,
        collaborators: Collaborators | None = None,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = new_story_id,
        staff: StaffOptions | None = None,
        intake: Intake | None = None,
        claim_seconds: float = 30.0,
    ) -> None:
        self.db = db
        self.form = form
        self.texts = texts
        self.secret_key = secret_key
        self.cipher = cipher
        self.collaborators = collaborators or Collaborators()
        self.clock = clock
        self.new_id = new_id
        self.staff = StaffDesk(form, texts, staff or StaffOptions())
        # Every channel runs an inbound message through this before `handle`.
        self.intake = intake or Intake()
        self._sealed_addresses: dict[str, bytes] = {}
        # What channels look up and record about their messages goes through here.
        self.records = ChannelRecords(db, cipher, clock)
        # This process run, as the sender of the replies it claims (storage/send_queue.py),
        # and how long a claim lasts before it must be renewed.
        self.instance = uuid.uuid4().hex
        self.claim = timedelta(seconds=claim_seconds)
        self._sending = 0

    def participant_id(self, channel: str, user_id: str) -> str:
        """The pseudonym of a platform user."""
        return pseudonym(self.secret_key, channel, user_id)

    def handle(self, message: InboundMessage) -> list[QueuedMessage] | None:
        """Run one turn in one transaction; None when the update was seen before."""
        now = self.clock()
        pid = self.participant_id(message.channel, message.user_id)
        with self.db.transaction() as session:
            return self.run_turn(session, pid, message, now)

    def run_turn(
        self,
        session: Session,
        pid: str,
        message: InboundMessage,
        now: datetime,
        checkin_id: str | None = None,
    ) -> list[QueuedMessage] | None:
        """One turn inside the caller's transaction: claim the update and lock, run staff or
        engine, store, queue; None when the update was handled before."""
        update = None if message.update_id is None else (message.channel, message.update_id)
        loaded = turns.lock_and_load(
            session, pid, self.first_language(message.language_hint), now, update,
            inbound=checkin_id is None,
        )
        if loaded is None:
            return None
        if checkin_id is None and not message.forwarded:
            staffed = self.staff.handle(session, pid, message.channel, message.event,
                                        loaded.language, loaded.state, now)
            if staffed is not None:
                return self._staff_turn(session, loaded, message, staffed, now)
        state = (State.model_validate(loaded.state) if loaded.state
                 else State(language=loaded.language))
        event, notices = self._admit(session, state, message.event, now)
        ctx = self._context(now, loaded.about, message.language_hint)
        new_state, result = run_turn(state, event, ctx)
        payloads = [*notices, *(payload_of(o) for o in result.outbox)]
        if any(isinstance(e, EraseParticipant) for e in result.effects):
            payloads = [self._with_sent(session, loaded.id, message.channel, p)
                        for p in payloads]
        erased = self._apply(session, loaded, message, result, now)
        if not erased:
            turns.save_turn(session, loaded, self._saved_state(new_state, loaded), now)
        return self._queue(session, loaded.id, message, payloads, now, erased, checkin_id)

    def _with_sent(self, session: Session, pid: str, channel: str, payload: Payload) -> Payload:
        """An answered notice of a turn that erases names its sent message now: the erasure
        removes the record a channel would look it up in."""
        if not isinstance(payload, Answered) or payload.token is None:
            return payload
        sent = sent_question_in(session, pid, channel, payload.token)
        return payload if sent is None else replace(payload, sent=sent)

    def _queue(
        self,
        session: Session,
        pid: str,
        message: InboundMessage,
        payloads: list[Payload],
        now: datetime,
        ephemeral: bool | list[bool],
        checkin_id: str | None = None,
    ) -> list[QueuedMessage]:
        if not payloads:
            return []
        sender, until, after = self.claim_new(session, pid, message.channel, now)
        ids = turns.queue_messages(
            session, pid, message.channel, self._sealed(message.address),
            [p.to_dict() for p in payloads], now,
            ephemeral=ephemeral, checkin_id=checkin_id, sender=sender, claimed_until=until,
        )
        return [
            QueuedMessage(outbox_id, pid, message.channel, message.address, payload,
                          sender is not None, after)
            for outbox_id, payload in zip(ids, payloads, strict=True)
        ]

    def claim_new(
        self, session: Session, pid: str, channel: str, now: datetime
    ) -> tuple[str | None, datetime | None, int | None]:
        """Sender, claim and predecessor for rows queued now in this chat: this process, at
        once, when it sends everything the chat has pending (the new rows go out after the
        newest of those); else none, and the rows wait their turn behind the others
        (storage/send_queue.py)."""
        # A process that does not send (a transcription worker) leaves its rows to those
        # that do.
        if not self._sending:
            return None, None, None
        free, after = send_queue.chat_state(session, pid, channel, self.instance, now)
        if not free:
            return None, None, None
        return self.instance, now + self.claim, after

    def _sealed(self, address: str) -> bytes:
        """The address encrypted for the outbox; one ciphertext per address is kept for a
        while, as encrypting costs as much as the rest of queueing."""
        sealed = self._sealed_addresses.get(address)
        if sealed is None:
            if len(self._sealed_addresses) >= SEALED_KEPT:
                self._sealed_addresses.clear()
            sealed = self._sealed_addresses[address] = self.cipher.encrypt(address)
        return sealed

    def _staff_turn(
        self,
        session: Session,
        loaded: LoadedParticipant,
        message: InboundMessage,
        staffed: StaffOutput,
        now: datetime,
    ) -> list[QueuedMessage]:
        """Store the staff state beside the story conversation's, untouched, and queue."""
        data = (dict(loaded.state) if loaded.state
                else State(language=loaded.language).model_dump(mode="json"))
        data[STATE_KEY] = staffed.state
        turns.save_turn(session, loaded, data, now)
        payloads = [payload for payload, _ in staffed.replies]
        # Secret replies (codes, invite links, QR codes, exports) go once they were sent.
        secret = [is_secret for _, is_secret in staffed.replies]
        return self._queue(session, loaded.id, message, payloads, now, secret)

    def _saved_state(self, state: State, loaded: LoadedParticipant) -> dict[str, Any]:
        data = state.model_dump(mode="json")
        if loaded.state and STATE_KEY in loaded.state:
            data[STATE_KEY] = loaded.state[STATE_KEY]
        return data

    def _admit(
        self, session: Session, state: State, event: Inbound, now: datetime
    ) -> tuple[Inbound, list[Payload]]:
        """A /start payload the resident may not use is dropped, with a friendly word."""
        if not isinstance(event, CommandIn) or command_name(event.name) != "start":
            return event, []
        admission = admit(session, event.payload, state.start_payload, now)
        if admission.notice is None:
            return event, []
        notice = Text(self.texts.get(admission.notice, state.language), state.language)
        return CommandIn(event.name, admission.payload), [notice]

    def language_of(self, participant_id: str, hint: str | None = None) -> str:
        """A participant's language now; for one not seen before, the first language."""
        with self.db.transaction() as session:
            stored = repo.participant_language(session, participant_id)
        return stored or self.first_language(hint)

    def first_language(self, hint: str | None) -> str:
        """The form's language a platform's language hint (`nl-NL`) stands for, else the
        form's default."""
        code = (hint or "").split("-")[0].lower()
        return code if code in self.form.languages else self.form.default_language

    def _context(self, now: datetime, about: dict[str, Any], hint: str | None) -> Context:
        c = self.collaborators
        return Context(
            form=self.form,
            texts=self.texts,
            now=now,
            new_id=self.new_id,
            about=about,
            scrub=c.scrub,
            show_placeholders=c.show_placeholders,
            nlu=c.nlu,
            answers=c.answers,
            detect_language=c.detect_language,
            guess_language=c.guess_language,
            language_named=c.language_named,
            mentions_danger=c.mentions_danger,
            platform_language=hint,
        )

    def _apply(
        self,
        session: Any,
        loaded: LoadedParticipant,
        message: InboundMessage,
        result: TurnResult,
        now: datetime,
    ) -> bool:
        pid = loaded.id
        for effect in result.effects:
            match effect:
                case EraseParticipant():
                    repo.erase_participant(session, pid, now, requested_by="resident")
                    return True
                case SaveStory():
                    tags = story_tags(session, effect.start_payload)
                    repo.add_story(session, self._story(effect, pid, message.channel, now, tags))
                case SaveTitle(story_id=story_id, title=title):
                    repo.set_title(session, story_id, title)
                case SaveAnswer(story_id=sid, question_id=qid, status=status, value=value):
                    repo.save_answer(session, sid, qid, status, value, now, effect.method)
                case SaveAbout(question_id=qid, status=status, value=value):
                    loaded.about[qid] = {"status": status, "value": value,
                                         "method": effect.method}
                case NoteHelpLines(story_id=story_id):
                    repo.note_help_lines(session, story_id)
                case RecordConsent(scope=scope, text_id=tid, text_version=ver, given=given):
                    repo.record_consent(session, pid, scope, tid, ver, given, now)
                case SetLanguage(language=language):
                    loaded.language = language
                case ScheduleFollowUps(story_id=story_id, days=days):
                    repo.save_contact(
                        session, pid, message.channel, self.cipher.encrypt(message.address), now
                    )
                    checkins.schedule(session, pid, story_id, message.channel, days, now)
                case SaveCheckInAnswer(checkin_id=checkin_id, answer=value):
                    checkins.answer(session, checkin_id, value, now)
                case StopCheckIns():
                    checkins.stop_for_participant(session, pid)
                case PostponeCheckIn(checkin_id=checkin_id):
                    checkins.postpone(session, checkin_id, now + POSTPONE)
        return False

    def _story(
        self, effect: SaveStory, pid: str, channel: str, now: datetime, tags: StoryTags
    ) -> dict[str, Any]:
        return {
            "id": effect.story_id,
            "participant_id": pid,
            "form_id": effect.form_id,
            "form_version": effect.form_version,
            "prompt_id": effect.prompt_id,
            "title": None,
            "text": effect.text,
            "language": effect.language,
            "detected_language": effect.detected_language,
            "detected_probability": effect.detected_probability,
            "channel": channel,
            "parent_story_id": effect.parent_story_id,
            "campaign_id": tags.campaign_id,
            "team": tags.team,
            "theme": tags.theme,
            "after_home_visit": tags.after_home_visit,
            "help_lines_shown": effect.help_lines_shown,
            "created_at": now,
            "confirmed_at": now,
        }

    def _queued(self, row: OutboxMessage, address: str, in_doubt: bool = False) -> QueuedMessage:
        return QueuedMessage(row.id, row.participant_id, row.channel, address,
                             payload_from_dict(row.payload), in_doubt=in_doubt)

    def mark(self, outbox_id: int, status: str, platform_message_id: str | None = None) -> None:
        """Record the result of sending one outbox row."""
        with self.db.transaction() as session:
            repo.mark_outbox(session, outbox_id, status, self.clock(), platform_message_id)

    def mark_sent(self, sent: Sequence[tuple[int, str | None]]) -> None:
        """Record that several outbox rows were sent (outbox id, platform message id)."""
        if sent:
            with self.db.transaction() as session:
                repo.mark_outbox_sent(session, sent, self.clock())

    def unsent(self, channel: str) -> list[QueuedMessage]:
        """Rows of `channel` not sent yet (a crash left them, or sending failed), oldest
        first, 500 at most."""
        with self.db.transaction() as session:
            rows = repo.pending_outbox(session, channel)
            return [self._queued(r, self.cipher.decrypt(r.address)) for r in rows]

    def begin_sending(self) -> None:
        """A send loop of this process starts: rows queued from now on may be claimed for
        it at once."""
        self._sending += 1

    def end_sending(self) -> None:
        """A send loop stopped; after the last one, what this process holds is free."""
        self._sending = max(0, self._sending - 1)
        if not self._sending:
            self.release_claims()

    def claim_chats(self, channels: Sequence[str], chats: int = 200) -> list[QueuedMessage]:
        """Claim, for this process, chats whose replies no sender holds (another process's
        turns, rows a crash or an earlier run left), with their pending rows, oldest first."""
        now = self.clock()
        with self.db.transaction() as session:
            claimed = send_queue.claim_chats(session, channels, self.instance, now,
                                             now + self.claim, chats)
            return [self._queued(r, self.cipher.decrypt(r.address),
                                 (r.participant_id, r.channel) in claimed.lapsed)
                    for r in claimed.rows]

    def renew_claims(self, ids: Sequence[int]) -> int:
        """Extend this process's claims on the rows `ids` it is sending; returns how many."""
        with self.db.transaction() as session:
            return send_queue.renew_claims(session, self.instance, ids,
                                           self.clock() + self.claim)

    def release_claims(self) -> int:
        """This process stops sending: what it still holds is free for others at once."""
        with self.db.transaction() as session:
            return send_queue.release_claims(session, self.instance)
