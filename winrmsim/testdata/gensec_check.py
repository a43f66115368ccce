"""Samba's own SPNEGO/Kerberos client against the WinRM simulator.

usage: gensec_check.py URL REALM USER PASSWORD HOST

gensec (Heimdal krb5 under SPNEGO, mutual authentication) gets a ticket for
HTTP/HOST from the realm's KDC (KRB5_CONFIG), POSTs an empty body with the
Negotiate token and feeds the 200 reply's WWW-Authenticate token back: the
context completes only if the NegTokenResp and the AP-REP inside verify.
Prints OK on success. Run with Debian's /usr/bin/python3 (samba modules).
"""
import base64
import sys
import urllib.error
import urllib.request

from samba import gensec
from samba.credentials import MUST_USE_KERBEROS, Credentials
from samba.param import LoadParm

url, realm, user, pw, host = sys.argv[1:6]
lp = LoadParm()
lp.set("realm", realm)
creds = Credentials()
creds.guess(lp)
creds.set_username(user)
creds.set_password(pw)
creds.set_realm(realm)
creds.set_kerberos_state(MUST_USE_KERBEROS)
g = gensec.Security.start_client({"lp_ctx": lp, "target_hostname": host})
g.set_credentials(creds)
g.set_target_service("HTTP")
g.set_target_hostname(host)
g.start_mech_by_name("spnego")
finished, token = g.update(b"")
print("client finished after first leg:", finished)
req = urllib.request.Request(url, data=b"", method="POST", headers={
    "Authorization": "Negotiate " + base64.b64encode(token).decode(),
    "Content-Type": "application/soap+xml;charset=UTF-8",
})
try:
    resp = urllib.request.urlopen(req)
except urllib.error.HTTPError as e:
    print("HTTP", e.code)
    sys.exit(3)
print("HTTP", resp.status)
scheme, _, b64 = resp.headers.get("WWW-Authenticate", "").partition(" ")
if scheme != "Negotiate":
    print("no Negotiate reply token")
    sys.exit(4)
finished, _ = g.update(base64.b64decode(b64))
print("context complete:", finished, "session key bytes:", len(g.session_key()))
print("OK" if finished else "NOT FINISHED")
