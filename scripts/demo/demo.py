#!/usr/bin/env python3
"""The demo scripts/demo.sh runs: a devnet, a cex.io stand-in and a gateway with a freshly
generated test xpub and webhook secret; then a card top-up (a signed fixture replayed) and an ETH
and a USDT deposit credited in front of you, the deposits passing through n/12 confirmations.
Prints the console's URL and an operator token, and stops everything on Ctrl-C."""
import json
import os
import pathlib
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv/bin/python")
GATEWAY = str(ROOT / ".build/debug/gateway")
CONFIRMATIONS = 12
children: list[subprocess.Popen] = []


def say(text=""):
    print(text, flush=True)


def start(args, env=None, ready_line=True):
    child = subprocess.Popen(args, stdout=subprocess.PIPE if ready_line else subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env, text=True, start_new_session=True)
    children.append(child)
    return json.loads(child.stdout.readline()) if ready_line else None


def stop_all(*_):
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
    say("\nstopped: gateway, cex.io stand-in, devnet")
    sys.exit(0)


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rpc(url, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request).read())["result"]


def api(base, token, method, path, body=None):
    request = urllib.request.Request(base + path, json.dumps(body).encode() if body is not None else None, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request).read())


def test_xpub():
    # A fresh BIP39 seed, thrown away: only its extended PUBLIC key reaches the gateway.
    from bip_utils import Bip39MnemonicGenerator, Bip39SeedGenerator, Bip44, Bip44Changes, Bip44Coins
    mnemonic = Bip39MnemonicGenerator().FromWordsNumber(12)
    account = Bip44.FromSeed(Bip39SeedGenerator(mnemonic).Generate(), Bip44Coins.ETHEREUM).Purpose().Coin().Account(0)
    return account.Change(Bip44Changes.CHAIN_EXT).PublicKey().ToExtended()


def main():
    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    work = pathlib.Path(tempfile.mkdtemp(prefix="gateway-demo."))
    say(f"demo: data in {work}")
    devnet = start([PY, str(ROOT / "devnet/devnet.py"), "--port", "0"])
    say(f"devnet: {devnet['rpc_url']} (chain {devnet['chain_id']}, USDT at {devnet['usdt']})")
    cex = start([PY, str(ROOT / "scripts/demo/cex_standin.py")])
    say(f"cex.io stand-in: {cex['base_url']}")

    internal_token, operator_token = secrets.token_hex(16), secrets.token_hex(16)
    webhook_secret = "whsec_" + secrets.token_hex(24)
    ports = {"public": free_port(), "internal": free_port()}
    env = dict(os.environ, **{
        "DATABASE_URL": f"sqlite:{work}/gateway.sqlite", "GATEWAY_DATA_DIR": str(work),
        "GATEWAY_PUBLIC_LISTEN": f"127.0.0.1:{ports['public']}", "GATEWAY_INTERNAL_LISTEN": f"127.0.0.1:{ports['internal']}",
        "GATEWAY_INTERNAL_TOKENS": internal_token, "GATEWAY_OPERATOR_TOKENS": f"demo:{operator_token}",
        "STRIPE_WEBHOOK_SECRET": webhook_secret, "ETH_XPUB": test_xpub(), "ETH_RPC_URL": devnet["rpc_url"],
        "ETH_CHAIN_ID": str(devnet["chain_id"]), "ETH_USDT_CONTRACT": devnet["usdt"], "ETH_START_BLOCK": "1",
        "ETH_CONFIRMATIONS": str(CONFIRMATIONS), "ETH_POLL_INTERVAL_MS": "300", "CEXIO_BASE_URL": cex["base_url"],
        "RATES_REFRESH_SECONDS": "5", "OUTBOX_POLL_INTERVAL_MS": "100", "LOG_LEVEL": "warning",
    })
    start([GATEWAY, "run"], env=env, ready_line=False)
    base = f"http://127.0.0.1:{ports['internal']}"
    for _ in range(600):
        try:
            if urllib.request.urlopen(base + "/healthz").status == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        say("the gateway did not come up; run it by hand to see why")
        stop_all()
    say(f"gateway: internal API {base}, webhook http://127.0.0.1:{ports['public']}/webhooks/stripe\n")

    api(base, internal_token, "POST", "/v1/accounts", {"id": "acct_alice"})
    address = api(base, internal_token, "POST", "/v1/accounts/acct_alice/deposit-address")["address"]
    say(f"1. account acct_alice (USD), deposit address {address} (derived from a fresh test xpub)")

    say("2. a card top-up: Stripe's checkout.session.completed for acct_alice, signed with the webhook secret and replayed")
    subprocess.run([GATEWAY, "webhooks", "replay", str(ROOT / "webhooks/fixtures/happy.checkout.session.completed.json"),
                    "--url", f"http://127.0.0.1:{ports['public']}/webhooks/stripe", "--secret", webhook_secret],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    wait_for_balance(base, internal_token, 2000)

    say("3. 0.5 ETH and 25 USDT sent to acct_alice's address on the devnet; one block every second:")
    rpc(devnet["rpc_url"], "devnet_sendEth", [address, hex(5 * 10**17)])
    rpc(devnet["rpc_url"], "devnet_sendToken", [address, hex(25 * 10**6), "usdt"])
    rpc(devnet["rpc_url"], "devnet_mine", [1])
    shown = None
    for _ in range(CONFIRMATIONS * 4):
        deposits = api(base, internal_token, "GET", "/v1/accounts/acct_alice/deposits")["data"]
        line = "   " + "   ".join(
            f"{d['asset']} {d.get('confirmations', 0)}/{d['confirmations_required']} {d['status']}"
            + (f" → {d['credit']['amount_minor'] / 100:.2f} {d['credit']['currency']} at {d['rate']['price']} {d['rate']['pair']}"
               if "credit" in d else "")
            for d in sorted(deposits, key=lambda d: d["asset"]))
        if deposits and line != shown:
            say(line)
            shown = line
        if deposits and all(d["status"] == "credited" for d in deposits):
            break
        rpc(devnet["rpc_url"], "devnet_mine", [1])
        time.sleep(1)
    balance = wait_for_balance(base, internal_token, None)
    say(f"\nacct_alice's wallet: {balance['balance']['amount_minor'] / 100:.2f} {balance['balance']['currency']}"
        " (card 20.00 + ETH + USDT, each credited once)")
    history = api(base, internal_token, "GET", "/v1/accounts/acct_alice/transactions")["data"]
    for entry in reversed(history):
        say(f"   {entry['kind']:<13} {entry['amount_minor'] / 100:>9.2f} {entry['currency']}  {entry['description']}")
    say(f"\nconsole:  {base}/console   operator token: {operator_token}")
    say(f"API:      curl -H 'Authorization: Bearer {internal_token}' {base}/v1/accounts/acct_alice")
    say("Ctrl-C stops everything.")
    while True:
        time.sleep(3600)


def wait_for_balance(base, token, minor):
    for _ in range(200):
        account = api(base, token, "GET", "/v1/accounts/acct_alice")
        if minor is None or account["balance"]["amount_minor"] >= minor:
            if minor is not None:
                say(f"   credited: acct_alice has {account['balance']['amount_minor'] / 100:.2f} {account['balance']['currency']}")
            return account
        time.sleep(0.1)
    say(f"   not credited yet: acct_alice has {account['balance']['amount_minor'] / 100:.2f}; see gateway payments list --parked")
    return account


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - report, then stop what was started
        say(f"demo failed: {error}")
        stop_all()
