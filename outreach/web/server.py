"""Start the console on its own listener (uvicorn on asyncio), never the public endpoint's."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from outreach.clock import Clock
from outreach.config import Config, is_loopback
from outreach.errors import ConfigError
from outreach.services.console.accounts import user_count
from outreach.services.report.labels import language_for
from outreach.web.app import Console, create_app


def console_for(
    config: Config, engine: Engine, clock: Clock, host: str, port: int, *, zone: ZoneInfo
) -> Console:
    """The console's settings for a listener on host:port; refuses what must not be."""
    public = config.unsubscribe.listen
    if config.unsubscribe.serve and public in (f"{host}:{port}", f"[{host}]:{port}"):
        raise ConfigError(
            f"the console cannot listen on {public}: the public endpoint does",
            field="--port",
            hint="the console has a listener of its own; choose another port",
        )
    users = user_count(engine)
    loopback = is_loopback(host)
    if not loopback and users == 0:
        raise ConfigError(
            f"binding the console to {host} needs a sign-in, and there is no console user",
            field="--host",
            hint="outreach web adduser NAME --role admin",
        )
    allowed = None
    if loopback:
        # A loopback console answers only to loopback names (DNS rebinding).
        allowed = ["127.0.0.1", "localhost", "::1", "[::1]"]
    return Console(
        config=config,
        engine=engine,
        clock=clock,
        open_local=loopback and users == 0,
        allowed_hosts=allowed,
        language=language_for(config.workspace.report_language, config.display_timezone),
        zone=zone,
    )


def serve(console: Console, host: str, port: int) -> None:
    import uvicorn

    from outreach.web.pages import warm

    warm(console)  # the campaign pages' whole-campaign counts, built before anyone asks
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(console),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            server_header=False,
            proxy_headers=False,
        )
    )
    try:
        server.run()
    finally:
        console.close()
