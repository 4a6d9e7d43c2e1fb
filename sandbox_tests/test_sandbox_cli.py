"""The sandbox command line: one JSON line with a ready config, then a clean exit on SIGTERM/SIGINT."""

import json
import signal
import subprocess
import sys

import pytest
import requests


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_a_ready_config_and_stops_cleanly(stop):
    process = subprocess.Popen([sys.executable, "-m", "campus_sandbox", "--size", "tiny", "--json", "--seed", "3"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        info = json.loads(process.stdout.readline())
        config = info["config"]
        assert config["base_url"] == info["base_url"] and info["district"]["classes"] == 8
        creds = config["credentials"]
        token = requests.post(creds["token_url"], data={"grant_type": "client_credentials"},
                              auth=(creds["client_id"], creds["client_secret"]), timeout=10).json()["access_token"]
        answer = requests.get(config["base_url"] + "/lineItems", timeout=10, headers={
            "Authorization": f"Bearer {token}",
            "x-vendor-authorization": f"{config['vendor_key']}:{config['vendor_secret']}"})
        assert answer.status_code == 200 and answer.json()["lineItems"]
        process.send_signal(stop)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_plain_line_names_the_url():
    process = subprocess.Popen([sys.executable, "-m", "campus_sandbox", "--size", "tiny"],
                               stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert "serving http://127.0.0.1:" in line and "/ims/oneroster/v1p1" in line
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
