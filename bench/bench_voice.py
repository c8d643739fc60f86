"""Voice: CPU seconds per second of audio and word error rate per language (synthetic speech:
text -> eSpeak NG -> OGG/Opus -> Whisper -> text), then voice notes of 30 s through one worker
(intake, download from a fake Bot API, transcription, the turn): notes per minute, the time
from a voice note to the bot's reply, and the worker's peak memory.

Run by hand:  .venv/bin/python bench/bench_voice.py [--notes 12] [--rate 12] [--seconds 30]
              [--setup before --setup now | --setup 2x1 ...] [--skip-load | --load-only] [--show]
Every part runs each setup side by side (the per-language part in turns on the same speech,
the load one fresh process per setup right after the other), so that the figures compare on
a machine whose load changes.
The speech is synthetic: real residents' voices will be heard better in some languages (the
engine's robotic voice is hard for Whisper) and worse in others (noise, accents).
"""

# The sentences in Turkish and Cyrillic hold letters that look Latin: that is their spelling.
# ruff: noqa: RUF001

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from telegram import Bot  # noqa: E402

from bot.channels.messages import InboundMessage, QueuedMessage, VoiceNote  # noqa: E402
from bot.runtime import build_texts  # noqa: E402
from bot.service import Collaborators, ConversationService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.voice.audio import (  # noqa: E402
    TRANSCRIBE_RATE,
    AudioProblem,
    decode_for_transcription,
    encode_ogg_opus,
)
from bot.voice.intake import VoiceIntake  # noqa: E402
from bot.voice.pool import worker_count  # noqa: E402
from bot.voice.sources import TelegramAudio  # noqa: E402
from bot.voice.speaker import Speaker  # noqa: E402
from bot.voice.transcriber import Transcriber  # noqa: E402
from bot.voice.worker import TranscriptionWorker, WorkerOptions  # noqa: E402
from flows.events import ChoiceIn, MediaIn, OpenedIn  # noqa: E402
from flows.forms.loader import load_form  # noqa: E402
from storage.crypto import AddressCipher, new_key  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.fakes.telegram_api import FakeBotApi  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret-0123"
# Sentences a resident might say, four per language.
STORIES: dict[str, list[str]] = {
    "nl": ["Ik had schulden en wist niet waar ik heen moest.",
           "De buurvrouw hielp me met bellen naar de gemeente.",
           "Het duurde lang voordat iemand terugbelde.",
           "Nu gaat het beter, maar ik ben nog steeds bezorgd."],
    "en": ["I had debts and did not know where to go.",
           "My neighbour helped me call the council.",
           "It took a long time before someone called back.",
           "Things are better now, but I am still worried."],
    "tr": ["Borçlarım vardı ve nereye gideceğimi bilmiyordum.",
           "Komşum belediyeyi aramama yardım etti.",
           "Birinin geri araması uzun sürdü.",
           "Şimdi daha iyi ama hâlâ endişeliyim."],
    "ar": ["كانت عندي ديون ولم أعرف إلى أين أذهب.",
           "ساعدتني جارتي في الاتصال بالبلدية.",
           "استغرق الأمر وقتا طويلا حتى اتصل بي أحد.",
           "الآن أصبح الوضع أفضل، لكنني ما زلت قلقة."],
    "pl": ["Miałam długi i nie wiedziałam, dokąd pójść.",
           "Sąsiadka pomogła mi zadzwonić do gminy.",
           "Długo trwało, zanim ktoś oddzwonił.",
           "Teraz jest lepiej, ale nadal się martwię."],
    "uk": ["У мене були борги, і я не знала, куди звернутися.",
           "Сусідка допомогла мені зателефонувати до громади.",
           "Минуло багато часу, поки хтось передзвонив.",
           "Зараз краще, але я досі хвилююся."],
    "ru": ["У меня были долги, и я не знала, куда обратиться.",
           "Соседка помогла мне позвонить в муниципалитет.",
           "Прошло много времени, пока кто-то перезвонил.",
           "Сейчас лучше, но я всё ещё волнуюсь."],
}
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-case words without punctuation or accents that Whisper drops or adds."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WORD.findall(folded)


def word_errors(reference: str, heard: str) -> tuple[int, int]:
    """(word edits, reference words): the numerator and denominator of the word error rate."""
    ref, hyp = words(reference), words(heard)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (r != h)))
        previous = current
    return previous[-1], len(ref)


def prompt_texts(language: str) -> list[str]:
    """What the bot asks in a language: the story prompts and the questions."""
    form = load_form(REPO / "flows" / "forms" / "default.yaml")
    if language not in form.languages:
        return []
    texts = build_texts(Settings(secret_key=SECRET), form)
    found = [texts.local(p.text, language) for p in form.prompts]
    return found + [texts.local(q.text, language) for q in form.questions]


@dataclass(frozen=True)
class Setup:
    """How a process transcribes: workers, CPU threads each, and whether Whisper decodes
    timestamps. Written `2x1+ts` (two workers of one thread, with timestamps) or `1x2`."""

    workers: int
    threads: int
    timestamps: bool = True

    @classmethod
    def parse(cls, spec: str) -> Setup:
        spec = PRESETS.get(spec, spec)
        shape, _, extra = spec.partition("+")
        workers, _, threads = shape.partition("x")
        if not (workers.isdigit() and threads.isdigit()) or extra not in ("", "ts"):
            raise argparse.ArgumentTypeError(f"not a setup: {spec} (e.g. 2x1+ts or 1x2)")
        return cls(int(workers), int(threads), extra == "ts")

    def __str__(self) -> str:
        return f"{self.workers}x{self.threads}{'+ts' if self.timestamps else ''}"

    def transcriber(self) -> Transcriber:
        return Transcriber(self.threads, timestamps=self.timestamps)


# What the service ran before (one worker of two threads, with timestamps) and what it runs
# now with its default settings on this machine.
_DEFAULTS = Settings(secret_key=SECRET)
PRESETS: dict[str, str] = {
    "before": "1x2+ts",
    "now": f"{worker_count(_DEFAULTS, os.cpu_count() or 1)}x{_DEFAULTS.voice_cpu_threads}+ts",
}


@dataclass
class Tally:
    """CPU and audio seconds, word edits and reference words, over several sentences."""

    cpu: float = 0.0
    audio: float = 0.0
    edits: int = 0
    total: int = 0

    def add(self, transcriber: Transcriber, spoken: bytes, sentence: str, language: str,
            show: bool) -> None:
        count = len(words(sentence))
        try:
            result = transcriber.transcribe(spoken, language)
        except AudioProblem:  # nothing heard: every word missed
            self.edits, self.total = self.edits + count, self.total + count
            return
        self.cpu, self.audio = self.cpu + result.cpu_seconds, self.audio + result.audio_seconds
        wrong, _ = word_errors(sentence, result.text)
        self.edits, self.total = self.edits + wrong, self.total + count
        if show:
            print(f"    {language} said: {sentence}\n    {language} heard: {result.text}")

    @property
    def rate(self) -> float:
        return self.cpu / max(self.audio, 1e-9)

    @property
    def wer(self) -> float:
        return self.edits / max(1, self.total)


def round_trip(transcribers: list[Transcriber], speaker: Speaker, language: str,
               sentences: list[str], show: bool = False) -> list[Tally]:
    """One tally per transcriber over the same speech, taken in turns so that both see the
    machine as it was."""
    tallies = [Tally() for _ in transcribers]
    for sentence in sentences:
        spoken = speaker.speak(sentence, language)
        for transcriber, tally in zip(transcribers, tallies, strict=True):
            tally.add(transcriber, spoken, sentence, language, show)
    return tallies


def per_language(setups: list[Setup], speaker: Speaker, show: bool) -> None:
    transcribers = [setup.transcriber() for setup in setups]
    for transcriber in transcribers:
        transcriber.load()
    print("CPU s per audio s, word error rate of the story sentences and of the form's texts "
          "(round trip), per setup:")
    print("language  setup     CPU s/audio s  WER story  WER prompts  audio s")
    for language, sentences in STORIES.items():
        stories = round_trip(transcribers, speaker, language, sentences, show)
        prompts = prompt_texts(language)
        heard = round_trip(transcribers, speaker, language, prompts) if prompts else None
        for n, (setup, story) in enumerate(zip(setups, stories, strict=True)):
            prompt = f"{heard[n].wer:>11.0%}" if heard else "   (no form)"
            print(f"{language:<9} {setup!s:<9} {story.rate:>13.2f}  {story.wer:>9.0%}  "
                  f"{prompt}  {story.audio:>7.1f}")


def note_of(speaker: Speaker, seconds: float) -> bytes:
    """A Dutch voice note of `seconds`: the story sentences, one after another, cut there.
    Whisper hears 30 s at a time, so a note just over 30 s costs a second window."""
    sentences: list[str] = []
    while True:
        sentences.append(STORIES["nl"][len(sentences) % len(STORIES["nl"])])
        samples = decode_for_transcription(speaker.speak(" ".join(sentences), "nl"), 600).samples
        if len(samples) >= seconds * TRANSCRIBE_RATE:
            cut = samples[:round(seconds * TRANSCRIBE_RATE)] * 32_767
            return encode_ogg_opus(cut.astype(np.int16), TRANSCRIBE_RATE)


def build_service(path: Path) -> ConversationService:
    url = f"sqlite:///{path}"
    upgrade(url)
    form = load_form(REPO / "flows" / "forms" / "default.yaml")
    texts = build_texts(Settings(secret_key=SECRET), form)
    return ConversationService(Database(url), form, texts, SECRET, AddressCipher([new_key()]),
                               Collaborators())


async def load(notes: int, per_minute: float | None, setup: Setup, audio: bytes) -> None:
    """Voice notes through `setup`'s workers, arriving `per_minute` (None: all at once)."""
    transcribers = [setup.transcriber() for _ in range(setup.workers)]
    for transcriber in transcribers:
        transcriber.load()
    with tempfile.TemporaryDirectory() as scratch, FakeBotApi() as fake:
        service = build_service(Path(scratch) / "bench.db")
        bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
        async with bot:
            replied: dict[str, float] = {}

            async def reply(queued: list[QueuedMessage]) -> None:
                replied.setdefault(queued[0].address, time.time())

            # The workers take jobs as they come, as in the service; residents arrive on time.
            stopping = asyncio.Event()
            working = [asyncio.create_task(TranscriptionWorker(
                service, transcriber, {"telegram": TelegramAudio(bot)}, {"telegram": reply},
                WorkerOptions(idle_seconds=0.1)).run_forever(stopping))
                for transcriber in transcribers]
            cpu_before = time.process_time()
            sent = await _arrive(service, fake, audio, notes, per_minute)
            while len(replied) < notes:
                await asyncio.sleep(0.05)
            cpu = time.process_time() - cpu_before
            stopping.set()
            await asyncio.gather(*working)
    _report(setup, per_minute, sent, replied, cpu)


def _report(setup: Setup, per_minute: float | None, sent: dict[str, float],
            replied: dict[str, float], cpu: float) -> None:
    notes = len(sent)
    latencies = sorted(replied[chat] - sent[chat] for chat in sent)
    p95 = latencies[max(0, round(0.95 * notes) - 1)]
    carried = notes / (max(replied.values()) - min(sent.values())) * 60
    arriving = "all at once" if per_minute is None else f"{per_minute:g} a minute"
    print(f"  {notes} notes arriving {arriving}: carried {carried:.1f} a minute "
          f"({carried / setup.workers:.1f} per worker); CPU per note {cpu / notes:.1f} s "
          f"({60 / (cpu / notes):.1f} notes a minute per core of CPU); note to reply "
          f"median {statistics.median(latencies):.1f} s, p95 {p95:.1f} s, "
          f"max {latencies[-1]:.1f} s")


async def _arrive(service: ConversationService, fake: FakeBotApi, audio: bytes, notes: int,
                  per_minute: float | None) -> dict[str, float]:
    """Residents at the story step send a voice note every 60/per_minute seconds."""
    intake = VoiceIntake(service, busy_after=10**6)
    gap = 0.0 if per_minute is None else 60.0 / per_minute
    length = round(decode_for_transcription(audio, 600).seconds)  # as the platform tells it
    chats = [str(9_000_000 + n) for n in range(notes)]
    stored = []
    for chat in chats:  # everyone at the story step before the clock starts
        for event in (OpenedIn(), ChoiceIn("yes"), ChoiceIn("age_yes"), ChoiceIn("needed_help")):
            await asyncio.to_thread(service.handle, InboundMessage("telegram", chat, chat, event))
        stored.append(fake.add_file(audio))
    sent: dict[str, float] = {}
    start = time.time()
    for n, (chat, file) in enumerate(zip(chats, stored, strict=True)):
        await asyncio.sleep(max(0.0, start + n * gap - time.time()))
        sent[chat] = time.time()
        note = InboundMessage("telegram", chat, chat, MediaIn("voice"), f"v{n}")
        await asyncio.to_thread(intake.accept, note, VoiceNote(file.file_id, length, len(audio)))
    return sent


def load_in_this_process(args: argparse.Namespace, speaker: Speaker) -> None:
    """Both load runs of one setup, then this process's peak memory."""
    setup = args.setup[0]
    audio = note_of(speaker, args.seconds)
    seconds = decode_for_transcription(audio, 600).seconds
    print(f"\nsetup {setup}: {setup.workers} worker(s) of {setup.threads} thread(s), "
          f"{'with' if setup.timestamps else 'without'} timestamps; notes of {seconds:.1f} s")
    asyncio.run(load(args.notes, args.rate, setup, audio))
    asyncio.run(load(args.notes, None, setup, audio))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of the process (its workers and models, the service, the bench's "
          f"fakes): {peak:.0f} MB, {peak / setup.workers:.0f} MB a worker")


def load_each_in_a_process(args: argparse.Namespace) -> None:
    """Each setup in a fresh process of its own, one after the other, so that the peak
    memory is that setup's."""
    for setup in args.setup:
        command = [sys.executable, __file__, "--load-only", "--setup", str(setup),
                   "--notes", str(args.notes), "--rate", str(args.rate),
                   "--seconds", str(args.seconds)]
        subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=12, help="voice notes for the load")
    parser.add_argument("--rate", type=float, default=12, help="voice notes arriving a minute")
    parser.add_argument("--seconds", type=float, default=30, help="length of each note")
    parser.add_argument("--setup", type=Setup.parse, action="append",
                        help="workers x threads, +ts for timestamps, or a preset: "
                        f"{', '.join(f'{k} ({v})' for k, v in PRESETS.items())}; repeat to "
                        "compare [default: before and now]")
    parser.add_argument("--skip-load", action="store_true", help="only the per-language part")
    parser.add_argument("--load-only", action="store_true", help="only the voice notes part")
    parser.add_argument("--show", action="store_true", help="print what was said and heard")
    args = parser.parse_args()
    args.setup = args.setup or [Setup.parse("before"), Setup.parse("now")]
    speaker = Speaker(Path(tempfile.mkdtemp()))
    if not args.load_only:
        per_language(args.setup, speaker, args.show)
    if args.skip_load:
        return
    if args.load_only and len(args.setup) == 1:
        load_in_this_process(args, speaker)
    else:
        load_each_in_a_process(args)


if __name__ == "__main__":
    main()
