"""The command menu per language, `vertelpunt telegram set-webhook`, and `vertelpunt serve`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.channels.telegram.menu import COMMANDS
from bot.channels.telegram.updates import ALLOWED_UPDATES
from bot.cli.serve import serve
from bot.cli.telegram import app as telegram_app
from bot.cli.telegram import webhook_url
from bot.runtime import Runtime
from bot.server import ServeRefused, build_app
from flows.texts import load_catalogue
from storage.migrate import upgrade
from tests.channels.telegram.harness import WEBHOOK_SECRET, Harness
from tests.conftest import TEST_SECRET
from tests.fakes.telegram_api import FakeBotApi


async def test_the_command_menu_is_set_in_every_language(
    webhook: Harness, runtime: Runtime
) -> None:
    fake = webhook.fake
    for language in runtime.texts.languages:
        menu = fake.commands_for(language)
        descriptions = load_catalogue(language)["commands"]
        assert [c["command"] for c in menu] == list(COMMANDS), language
        assert [c["description"] for c in menu] == [descriptions[n] for n in COMMANDS]
    default = fake.commands_for("")
    assert [c["description"] for c in default] == [load_catalogue("nl")["commands"][n]
                                                   for n in COMMANDS]
    assert len({c["description"] for c in fake.commands_for("en")} &
               {c["description"] for c in default}) == 0


@pytest.fixture
def telegram_env(monkeypatch: pytest.MonkeyPatch, fake: FakeBotApi) -> None:
    monkeypatch.setenv("VERTELPUNT_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("VERTELPUNT_TELEGRAM_TOKEN", fake.token)
    monkeypatch.setenv("VERTELPUNT_TELEGRAM_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("VERTELPUNT_TELEGRAM_API_URL", fake.base_url)


@pytest.mark.usefixtures("telegram_env")
def test_set_webhook_registers_url_secret_and_update_types(fake: FakeBotApi) -> None:
    runner = CliRunner()
    result = runner.invoke(telegram_app, ["set-webhook", "https://vertelpunt.example"])

    assert result.exit_code == 0, result.output
    assert fake.webhook.url == "https://vertelpunt.example/webhooks/telegram"
    assert fake.webhook.secret_token == WEBHOOK_SECRET
    assert fake.webhook.allowed_updates == ALLOWED_UPDATES
    assert WEBHOOK_SECRET not in result.output and fake.token not in result.output

    deleted = runner.invoke(telegram_app, ["delete-webhook"])
    assert deleted.exit_code == 0 and fake.webhook.url == ""


@pytest.mark.usefixtures("telegram_env")
def test_set_webhook_reports_telegram_refusing_and_missing_settings(
    fake: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    refused = runner.invoke(telegram_app, ["set-webhook", "http://insecure.example/hook"])
    assert refused.exit_code == 1 and "https" in refused.output.lower()

    monkeypatch.delenv("VERTELPUNT_TELEGRAM_WEBHOOK_SECRET")
    missing = runner.invoke(telegram_app, ["set-webhook", "https://vertelpunt.example"])
    assert missing.exit_code == 3 and "VERTELPUNT_TELEGRAM_WEBHOOK_SECRET" in missing.output

    monkeypatch.setenv("VERTELPUNT_TELEGRAM_TOKEN", "999:not-our-token")
    wrong = runner.invoke(telegram_app, ["delete-webhook"])
    assert wrong.exit_code == 3 and "token" in wrong.output


def test_webhook_url_adds_the_route_only_to_a_bare_host() -> None:
    assert webhook_url("https://x.example") == "https://x.example/webhooks/telegram"
    assert webhook_url("https://x.example/") == "https://x.example/webhooks/telegram"
    assert webhook_url("https://x.example/vp/webhooks/telegram") == (
        "https://x.example/vp/webhooks/telegram")


def test_serve_installs_telegram_only_when_configured(runtime: Runtime) -> None:
    routes = {getattr(r, "path", "") for r in build_app(runtime).routes}
    assert "/webhooks/telegram" in routes and "/healthz" in routes

    polling = {getattr(r, "path", "") for r in build_app(runtime, polling=True).routes}
    assert "/webhooks/telegram" not in polling

    no_secret = runtime.settings.model_copy(update={"telegram_webhook_secret": None})
    with pytest.raises(ServeRefused, match="WEBHOOK_SECRET"):
        build_app(Runtime(no_secret, runtime.db, runtime.form, runtime.texts, runtime.cipher,
                          runtime.service))
    no_token = runtime.settings.model_copy(update={"telegram_token": None})
    bare = Runtime(no_token, runtime.db, runtime.form, runtime.texts, runtime.cipher,
                   runtime.service)
    assert "/webhooks/telegram" not in {getattr(r, "path", "") for r in build_app(bare).routes}
    with pytest.raises(ServeRefused, match="--polling needs VERTELPUNT_TELEGRAM_TOKEN"):
        build_app(bare, polling=True)


def test_serve_refuses_to_start_a_webhook_without_its_secret(
    monkeypatch: pytest.MonkeyPatch, fake: FakeBotApi, tmp_path: object
) -> None:
    import typer

    url = f"sqlite:///{tmp_path}/serve.db"
    upgrade(url)
    monkeypatch.setenv("VERTELPUNT_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("VERTELPUNT_DATABASE_URL", url)
    monkeypatch.setenv("VERTELPUNT_TELEGRAM_TOKEN", fake.token)
    monkeypatch.delenv("VERTELPUNT_TELEGRAM_WEBHOOK_SECRET", raising=False)
    cli = typer.Typer()
    cli.command()(serve)

    result = CliRunner().invoke(cli, [])

    assert result.exit_code == 3 and "VERTELPUNT_TELEGRAM_WEBHOOK_SECRET" in result.output
