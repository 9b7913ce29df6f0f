"""`trackdeck endpoints ...`: deploy registered model versions and call them, via the studio."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from trackdeck.studio.client import StudioClient, answer, echo_json, studio_options

SETTLED_WAIT_S = 300
ENDPOINTS = "/endpoints"


class EndpointsApi(StudioClient):
    """The studio client, with what `trackdeck endpoints` asks of endpoints."""

    def describe_endpoint(self, name: str) -> dict[str, Any]:
        return self.call("GET", f"{ENDPOINTS}/{name}")["endpoint"]

    def wait_endpoint(self, name: str, gone: bool = False) -> dict[str, Any] | None:
        """Poll until the endpoint settles (or is gone after a delete); fail on Failed."""
        from trackdeck.serving.records import TRANSITIONAL, EndpointState

        return self.wait_settled(
            lambda: self.describe_endpoint(name),
            name,
            lambda state: EndpointState(state) not in TRANSITIONAL,
            SETTLED_WAIT_S,
            gone=gone,
            interval_s=0.5,
        )


@click.group()
@studio_options
@click.pass_context
def endpoints(ctx: click.Context, studio_url: str, token: str | None) -> None:
    """Deploy registered model versions behind /invocations, update, call and delete them."""
    ctx.obj = EndpointsApi(studio_url, token)


wait_option = click.option(
    "--wait/--no-wait", default=True, show_default=True, help="Wait until it settles."
)


@endpoints.command()
@click.argument("name")
@click.option(
    "--model", "model_uri", required=True, help="models:/NAME/VERSION or models:/NAME@ALIAS"
)
@click.option("--server", default="default", show_default=True, help="The tracking server.")
@click.option("--instances", type=click.IntRange(1, 16), default=1, show_default=True)
@wait_option
@click.pass_obj
def create(
    api: EndpointsApi, name: str, model_uri: str, server: str, instances: int, wait: bool
) -> None:
    """Deploy a registered model version as endpoint NAME."""
    payload = {"name": name, "model_uri": model_uri, "server_name": server,
               "instance_count": instances}  # fmt: skip
    endpoint = api.call("POST", ENDPOINTS, payload)["endpoint"]
    echo_json(api.wait_endpoint(name) if wait else endpoint)


@endpoints.command()
@click.argument("name")
@click.pass_obj
def describe(api: EndpointsApi, name: str) -> None:
    """Show NAME's state, model version, instances and invocation URL (JSON)."""
    echo_json(api.describe_endpoint(name))


@endpoints.command("list")
@click.option("--state", default=None, help="Only endpoints in this state, e.g. InService.")
@click.option("--max-results", type=click.IntRange(1, 100), default=50, show_default=True)
@click.option("--page-token", default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON page.")
@click.pass_obj
def list_endpoints(
    api: EndpointsApi, state: str | None, max_results: int, page_token: str | None, as_json: bool
) -> None:
    """List endpoints."""
    params = {"state": state, "max_results": max_results, "page_token": page_token}
    page = api.call("GET", ENDPOINTS, params=params)
    if as_json:
        echo_json(page)
        return
    rows = [("NAME", "STATE", "MODEL", "INSTANCES", "INVOCATION URL")] + [
        (e["name"], e["state"], f"models:/{e['model_name']}/{e['model_version']}",
         str(len(e["instances"])), e["invocation_url"])
        for e in page["endpoints"]
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[4])
    if page.get("next_page_token"):
        click.echo(f"(more: --page-token {page['next_page_token']})")


@endpoints.command()
@click.argument("name")
@click.option("--model", "model_uri", default=None, help="Another version or alias to serve.")
@click.option("--instances", type=click.IntRange(1, 16), default=None)
@wait_option
@click.pass_obj
def update(
    api: EndpointsApi, name: str, model_uri: str | None, instances: int | None, wait: bool
) -> None:
    """Serve another version (blue/green: no request fails) or another number of instances."""
    payload = {"model_uri": model_uri, "instance_count": instances}
    endpoint = api.call(
        "PATCH", f"{ENDPOINTS}/{name}", {k: v for k, v in payload.items() if v is not None}
    )["endpoint"]
    echo_json(api.wait_endpoint(name) if wait else endpoint)


@endpoints.command()
@click.argument("name")
@wait_option
@click.pass_obj
def delete(api: EndpointsApi, name: str, wait: bool) -> None:
    """Delete NAME: stop its instances and remove its record."""
    api.call("DELETE", f"{ENDPOINTS}/{name}", {})
    if wait:
        api.wait_endpoint(name, gone=True)
    click.echo(f"Deleted {name}.", err=True)


@endpoints.command()
@click.argument("name")
@click.option("--data", "-d", default=None, help="The request body [default: read stdin].")
@click.option(
    "--input", "-i", "input_path", type=click.Path(exists=True, dir_okay=False), default=None,
    help="Read the body from this file.",
)  # fmt: skip
@click.option("--content-type", type=click.Choice(["json", "csv"]), default="json")
@click.pass_obj
def invoke(
    api: EndpointsApi, name: str, data: str | None, input_path: str | None, content_type: str
) -> None:
    """Send a JSON (dataframe_split, dataframe_records, instances, inputs) or CSV body to NAME."""
    import httpx

    if data is not None:
        body = data.encode()
    elif input_path is not None:
        body = Path(input_path).read_bytes()
    else:
        body = sys.stdin.buffer.read()
    media = "application/json" if content_type == "json" else "text/csv"
    try:
        response = api.client.post(
            f"/endpoints/{name}/invocations", content=body, headers={"Content-Type": media}
        )
    except httpx.HTTPError as exc:
        raise click.ClickException(f"Cannot reach the studio: {exc}") from exc
    answer(response)
    click.echo(response.text)


@endpoints.command()
@click.argument("name")
@click.option("--lines", "-n", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.pass_obj
def logs(api: EndpointsApi, name: str, lines: int) -> None:
    """Print the last lines of each of NAME's instances' logs."""
    found = api.call("GET", f"{ENDPOINTS}/{name}/logs", params={"lines": lines})
    for instance in found["instances"]:
        click.echo(f"==> instance {instance['instance_id']} <==")
        click.echo(instance["log"])
