"""`iportal portal serve`: the customers' web portal (issue 8) on the same data dir."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iportal.cli_common import DataDir, console, one_line_errors

portal_app = typer.Typer(help="The customers' web portal.", no_args_is_help=True)


@portal_app.callback()
def portal_group() -> None:
    """The customers' web portal (a group, so that `iportal portal serve` keeps its name).

    Example: iportal portal serve --port 8080
    """


@portal_app.command("serve")
@one_line_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
    data_dir: DataDir = Path("var"),
) -> None:
    """Serve the portal (login, documents, customer codes, users, activation codes) over
    HTTP; put a TLS proxy in front of it in production.

    Example: iportal portal serve --host 127.0.0.1 --port 8080 --data-dir var
    """
    import uvicorn

    from config import load_settings
    from iportal.web.app import create_app
    from iportal.web.config import PortalConfig

    settings = load_settings(data_dir)
    if not settings.warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {settings.warehouse_path}: run `iportal nightly`")
    app = create_app(PortalConfig(data_dir))
    console.print(f"portal on http://{host}:{port}/ (data dir {data_dir}); Ctrl+C stops it")
    uvicorn.run(app, host=host, port=port, log_level="warning",
                proxy_headers=app.state.config.portal.trust_proxy_headers)  # fmt: skip
