#!/usr/bin/env python3
"""A cex.io stand-in for the demo: the public ticker and currency_limits endpoints in cex.io's
documented shapes, with fixed prices. Prints one JSON line {"base_url": …} when ready."""
import http.server
import json
import sys

PRICES = {"ETH/USD": "3012.45", "USDT/USD": "1.0001", "ETH/EUR": "2781.30", "USDT/EUR": "0.9234"}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        parts = self.path.strip("/").split("/")
        if parts[-3:-2] == ["ticker"] and f"{parts[-2]}/{parts[-1]}" in PRICES:
            pair = f"{parts[-2]}/{parts[-1]}"
            price = PRICES[pair]
            body = {"timestamp": "1700000000", "pair": pair.replace("/", ":"), "low": price, "high": price, "last": price,
                    "volume": "100", "volume30d": "3000", "bid": float(price), "ask": float(price)}
        elif parts[-1] == "currency_limits":
            body = {"e": "currency_limits", "ok": "ok", "data": {"pairs": [
                {"symbol1": p.split("/")[0], "symbol2": p.split("/")[1], "minLotSize": 0.01, "maxLotSize": None,
                 "minPrice": "0.01", "maxPrice": "100000"} for p in PRICES]}}
        else:
            body = {"error": "Invalid API method"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(json.dumps({"base_url": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
