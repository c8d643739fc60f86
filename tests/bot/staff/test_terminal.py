"""Staff in the terminal: files (QR codes, exports) are written to a folder and named."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.channels.messages import File
from bot.channels.terminal import TerminalChat, render_file, save_file
from bot.service import ConversationService
from bot.staff.links import qr_png
from storage.db import Database
from storage.roles import WORKER, Grant
from tests.bot.staff.people import LINK, add_campaign, add_code
from tests.conftest import FixedClock


def test_a_worker_in_the_terminal_gets_the_qr_codes_as_files(
    staffed: ConversationService, db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    add_campaign(db, clock.now)
    code = add_code(db, clock.now, Grant(WORKER, "Wijkteam Oost", None))
    out = io.StringIO()
    chat = TerminalChat(staffed, "wim", out, jsonl=True, files_dir=tmp_path)

    chat.run([json.dumps({"command": f"/werker {code}"}) + "\n",
              json.dumps({"command": "/uitnodiging"}) + "\n",
              json.dumps({"choice": "staff:theme:0"}) + "\n"])

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    files = [line for line in lines if "file" in line]
    assert [Path(f["file"]).name for f in files] == ["vertelpunt-telegram.png",
                                                    "vertelpunt-whatsapp.png"]
    link = LINK.findall(files[0]["text"])[0]
    assert Path(files[0]["file"]).read_bytes() == qr_png(link)
    assert link in lines[-2]["text"]


def test_plain_terminal_shows_the_caption_and_the_path(tmp_path: Path) -> None:
    payload = File.from_dict({"kind": "document", "filename": "../../etc/x.csv", "data": "YSxi",
                              "caption": "2 verhalen"})
    path = save_file(payload, tmp_path)

    assert path == tmp_path / "x.csv" and path.read_text() == "a,b"
    assert render_file(payload, path, jsonl=False) == f"📎 2 verhalen\n  {path}"
