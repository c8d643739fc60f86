"""Voice: CPU seconds per second of audio and word error rate per language (synthetic speech:
text -> eSpeak NG -> OGG/Opus -> Whisper -> text), then voice notes of 30 s through one worker
(intake, download from a fake Bot API, transcription, the turn): notes per minute, the time
from a voice note to the bot's reply, and the worker's peak memory.

Run by hand:  .venv/bin/python bench/bench_voice.py [--notes 12] [--rate 12] [--threads 2]
              [--skip-load | --load-only] [--show]
The speech is synthetic: real residents' voices will be heard better in some languages (the
engine's robotic voice is hard for Whisper) and worse in others (noise, accents).
"""

# The sentences in Turkish and Cyrillic hold letters that look Latin: that is their spelling.
# ruff: noqa: RUF001

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from telegram import Bot  # noqa: E402

from bot.channels.messages import InboundMessage, QueuedMessage, VoiceNote  # noqa: E402
from bot.runtime import build_texts  # noqa: E402
from bot.service import Collaborators, ConversationService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.voice.audio import AudioProblem, decode_for_transcription  # noqa: E402
from bot.voice.intake import VoiceIntake  # noqa: E402
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


def round_trip(transcriber: Transcriber, speaker: Speaker, language: str,
               sentences: list[str], show: bool = False) -> tuple[float, float, float]:
    """(CPU s per audio s, word error rate, audio seconds) over the sentences."""
    cpu = audio = 0.0
    edits = total = 0
    for sentence in sentences:
        spoken = speaker.speak(sentence, language)
        try:
            result = transcriber.transcribe(spoken, language)
        except AudioProblem:  # nothing heard: every word missed
            edits, total = edits + len(words(sentence)), total + len(words(sentence))
            continue
        cpu, audio = cpu + result.cpu_seconds, audio + result.audio_seconds
        wrong, count = word_errors(sentence, result.text)
        edits, total = edits + wrong, total + count
        if show:
            print(f"    {language} said: {sentence}\n    {language} heard: {result.text}")
    return cpu / max(audio, 1e-9), edits / max(1, total), audio


def per_language(transcriber: Transcriber, speaker: Speaker, show: bool) -> None:
    print("language  CPU s/audio s  WER story  WER prompts (round trip)  audio s")
    for language, sentences in STORIES.items():
        cpu, story_wer, audio = round_trip(transcriber, speaker, language, sentences, show)
        prompts = prompt_texts(language)
        prompt_wer = (f"{round_trip(transcriber, speaker, language, prompts)[1]:>10.0%}"
                      if prompts else "   (no form texts)")
        print(f"{language:<9} {cpu:>13.2f}  {story_wer:>9.0%}  {prompt_wer:>24}  {audio:>7.1f}")


def thirty_seconds(speaker: Speaker) -> bytes:
    """A Dutch voice note of about 30 s: the story sentences, one after another."""
    sentences: list[str] = []
    while True:
        sentences.append(STORIES["nl"][len(sentences) % len(STORIES["nl"])])
        audio = speaker.speak(" ".join(sentences), "nl")
        if decode_for_transcription(audio, 600).seconds >= 28:
            return audio


def build_service(path: Path) -> ConversationService:
    url = f"sqlite:///{path}"
    upgrade(url)
    form = load_form(REPO / "flows" / "forms" / "default.yaml")
    texts = build_texts(Settings(secret_key=SECRET), form)
    return ConversationService(Database(url), form, texts, SECRET, AddressCipher([new_key()]),
                               Collaborators())


async def load(notes: int, per_minute: float, transcriber: Transcriber, speaker: Speaker) -> None:
    audio = thirty_seconds(speaker)
    seconds = decode_for_transcription(audio, 600).seconds
    with tempfile.TemporaryDirectory() as scratch, FakeBotApi() as fake:
        service = build_service(Path(scratch) / "bench.db")
        bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
        async with bot:
            replied: dict[str, float] = {}

            async def reply(queued: list[QueuedMessage]) -> None:
                replied.setdefault(queued[0].address, time.time())

            worker = TranscriptionWorker(
                service, transcriber, {"telegram": TelegramAudio(bot)}, {"telegram": reply},
                WorkerOptions(idle_seconds=0.1))
            cpu_before = time.process_time()
            # The worker takes jobs as they come, as in the service; residents arrive on time.
            stopping = asyncio.Event()
            working = asyncio.create_task(worker.run_forever(stopping))
            sent = await _arrive(service, fake, audio, notes, per_minute)
            while len(replied) < notes:
                await asyncio.sleep(0.05)
            stopping.set()
            await working
            cpu = time.process_time() - cpu_before
    latencies = sorted(replied[chat] - sent[chat] for chat in sent)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    elapsed = max(replied.values()) - min(sent.values())
    threads = transcriber.cpu_threads
    print(f"\n{notes} voice notes of {seconds:.0f} s, arriving {per_minute:g} a minute, "
          f"one worker on {threads} threads:")
    print(f"  carried {notes / elapsed * 60:.1f} notes a minute "
          f"({notes / elapsed * 60 / threads:.1f} per core) on this machine as it was")
    print(f"  CPU per note {cpu / notes:.1f} s (whole path: intake, download, transcription, "
          f"turn): {60 / (cpu / notes):.1f} notes a minute per core of CPU")
    print(f"  voice note to reply: median {statistics.median(latencies):.1f} s, "
          f"p95 {p95:.1f} s, max {latencies[-1]:.1f} s")


async def _arrive(service: ConversationService, fake: FakeBotApi, audio: bytes, notes: int,
                  per_minute: float) -> dict[str, float]:
    """Residents at the story step send a voice note every 60/per_minute seconds."""
    intake = VoiceIntake(service, busy_after=10**6)
    sent: dict[str, float] = {}
    gap = 60.0 / per_minute
    start = time.time()
    for n in range(notes):
        chat = str(9_000_000 + n)
        for event in (OpenedIn(), ChoiceIn("yes"), ChoiceIn("age_yes"), ChoiceIn("needed_help")):
            await asyncio.to_thread(service.handle, InboundMessage("telegram", chat, chat, event))
        stored = fake.add_file(audio)
        await asyncio.sleep(max(0.0, start + n * gap - time.time()))
        sent[chat] = time.time()
        note = InboundMessage("telegram", chat, chat, MediaIn("voice"), f"v{n}")
        await asyncio.to_thread(intake.accept, note, VoiceNote(stored.file_id, 30, len(audio)))
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=12, help="30 s voice notes for the load")
    parser.add_argument("--rate", type=float, default=12, help="voice notes arriving a minute")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of the worker")
    parser.add_argument("--skip-load", action="store_true", help="only the per-language part")
    parser.add_argument("--load-only", action="store_true", help="only the voice notes part")
    parser.add_argument("--show", action="store_true", help="print what was said and heard")
    args = parser.parse_args()
    speaker = Speaker(Path(tempfile.mkdtemp()))
    transcriber = Transcriber(args.threads)
    started = time.time()
    transcriber.load()
    print(f"model checked and loaded in {time.time() - started:.1f} s")
    if not args.load_only:
        per_language(transcriber, speaker, args.show)
    if not args.skip_load:
        asyncio.run(load(args.notes, args.rate, transcriber, speaker))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process (one worker, its model, the service): {peak:.0f} MB")


if __name__ == "__main__":
    main()
