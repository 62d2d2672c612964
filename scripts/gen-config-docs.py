#!/usr/bin/env python3
# Regenerates config/defaults.env, config/example.env and config/README.md from the key table in
# Sources/GatewayApp/Config/ConfigKeys.swift. Run it after adding a key; a test checks they agree.
import re
src=open('Sources/GatewayApp/Config/ConfigKeys.swift').read()
pat=re.compile(r'ConfigKey\(name: "([^"]+)", type: "([^"]+)", defaultValue: (nil|"[^"]*"), secret: (true|false), readBy: "([^"]+)",\s*summary: "((?:[^"\\]|\\.)*)"\)', re.S)
keys=[]
for m in pat.finditer(src):
    name,typ,dv,sec,rb,summ=m.groups()
    dv=None if dv=='nil' else dv[1:-1]
    keys.append((name,typ,dv,sec=='true',rb,summ.replace('\\"','"')))
print(len(keys), "keys")
d=["# Every non-secret default of the gateway. The binary has the same values built in (a test",
   "# keeps the two equal); this file is read from ./config/defaults.env when present, then the",
   "# file named by GATEWAY_ENV_FILE, then the environment, each overriding the one before.",
   "# Secrets never go here: set them in the environment, or in a file named by <NAME>_FILE.",""]
for k in keys:
    if k[2] is not None and not k[3]:
        d.append(k[0]+"="+k[2])
open('config/defaults.env','w').write("\n".join(d)+"\n")
e=["# Example environment for `gateway run` / `serve`. Copy to a file, fill in, and point",
   "# GATEWAY_ENV_FILE at it (or export the variables). Every key is listed; see config/README.md.",
   "# Any secret may instead be read from a file: set <NAME>_FILE=/path/to/file.",""]
examples={"DATABASE_URL":"postgres://gateway:change-me@127.0.0.1:5432/gateway?sslmode=disable",
 "GATEWAY_INTERNAL_TOKENS":"replace-with-a-long-random-token,previous-token-during-rotation",
 "WALLET_API_URL":"http://127.0.0.1:8081","WALLET_API_TOKEN":"replace-with-the-wallet-token",
 "STRIPE_WEBHOOK_SECRET":"whsec_replace_me","ETH_XPUB":"xpub6...the-m/44'/60'/0'/0-extended-public-key"}
for k in keys:
    e.append("# "+k[5])
    if k[0] in examples: e.append("# "+k[0]+"="+examples[k[0]])
    elif k[2] is not None: e.append(k[0]+"="+k[2])
    else: e.append("# "+k[0]+"=")
    e.append("")
open('config/example.env','w').write("\n".join(e))
r=["# Configuration","",
"Every key the gateway reads. Sources, lowest precedence first: the built-in defaults (equal to",
"`config/defaults.env`), `config/defaults.env` in the working directory, the file named by",
"`GATEWAY_ENV_FILE`, then the process environment. A secret can also come from a file named by",
"`<NAME>_FILE` (trailing newline ignored; setting both is an error). Secrets are never logged;",
"`gateway config check` prints the effective configuration with them redacted.","",
"Invalid configuration stops the program before it starts anything, with one line naming the key",
"and the problem, and exit code 2.","",
"| key | type | default | secret | read by | meaning |","|---|---|---|---|---|---|"]
bar="\\|"
for k in keys:
    dv="`"+k[2]+"`" if k[2] is not None else "—"
    r.append("| `%s` | %s | %s | %s | %s | %s |" % (k[0], k[1].replace('|',bar), dv, 'yes' if k[3] else 'no', k[4], k[5].replace('|',bar)))
open('config/README.md','w').write("\n".join(r)+"\n")
