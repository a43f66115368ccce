#!/usr/bin/env bash
# Throw-away Samba 4.17 Active Directory DC for the AD tests of identity/ldap,
# loopback only: ldap://127.0.0.1:389 (StartTLS), ldaps://127.0.0.1:636, GC 3268/3269,
# KDC 88. Everything lives in $PSGATE_TEST_SAMBA_DIR (/tmp/psgate-testenv/samba);
# nothing is written to /etc/samba, /var/lib/samba or /run/samba. Needs root (ports < 1024).
#
# The first start provisions the domain and writes the fixture (~6 s), then keeps a
# pristine copy of the database in $DIR/pristine; every later start restores that copy
# and starts samba (~1 s), so accounts a test locked are unlocked again.
#
# Files the tests read in $DIR: ca.pem (the server certificate, pin it) and
# fixture.env (base DN, domain, realm, admin and service-account credentials).
#
# Domain EXAMPLE / realm EXAMPLE.TEST; password Passw0rd! for every user:
#   alice bob carol (DNs CN=<name>,CN=Users,…); dave (disabled, data 533); erin (lockout
#   threshold 3 through a fine-grained policy, data 775); frank (must change: pwdLastSet=0,
#   data 773); henry (account expired, data 701); svc-psgate (the gateway's service account).
#   No "password expired" (532) user: Samba ignores a maximum age under one day and
#   refuses to backdate pwdLastSet, so 532 is covered by unit tests only.
#   groups: helpdesk={bob} ⊂ gateway-users={alice,helpdesk}; gateway-admins={alice};
#   loop-a={alice,loop-b}, loop-b={loop-a} (a cycle); newsletter={carol} (distribution);
#   computer srv1 (dNSHostName srv1.example.test) ∈ web-servers ⊂ all-servers
# Usage: samba-ad.sh packages|start|stop
set -euo pipefail

DIR=${PSGATE_TEST_SAMBA_DIR:-/tmp/psgate-testenv/samba}
REALM=EXAMPLE.TEST
DOMAIN=EXAMPLE
BASEDN="DC=example,DC=test"
ADMINPW='Adm1nPassw0rd!'
USERPW='Passw0rd!'
STRONG=${PSGATE_TEST_SAMBA_STRONG_AUTH:-no}   # no: simple binds allowed on plain ldap:// (Samba's default is yes)
MAXRUN=${PSGATE_TEST_SAMBA_MAX_RUNTIME:-14400} # safety net: samba exits by itself after this many seconds
FIXTURE_VERSION=4                             # bump when the fixture changes: forces a new provision
CONF=$DIR/etc/smb.conf
SAM=$DIR/private/sam.ldb
PIDFILE=$DIR/run/samba.pid
# samba-tool and the fixture need Debian's python (a pyenv python3 on PATH cannot see samba's modules)
PY=/usr/bin/python3

# alive PID: running, not a zombie (PID 1 may be a minimal init) and samba.
alive() { local s; s=$(ps -o stat=,comm= -p "$1" 2>/dev/null) || return 1; [[ $s != Z* && $s == *samba* ]]; }

stop() {
  if [[ -f $PIDFILE ]]; then
    local pid; pid=$(cat "$PIDFILE")
    if alive "$pid"; then
      kill "$pid"   # the master SIGTERMs its children (samba -D leads its own process group)
      group_alive() { ps -eo pgid=,stat= | awk -v g="$pid" '$1==g && $2 !~ /^Z/' | grep -q .; }
      for _ in $(seq 100); do group_alive || break; sleep 0.1; done
      if group_alive; then kill -9 -- "-$pid" 2>/dev/null || true; fi
    fi
    rm -f "$PIDFILE"
  fi
  echo "samba: stopped"
}

provision() {
  rm -rf "$DIR"; mkdir -p "$DIR/log" "$DIR/run" "$DIR/tls"
  : >"$DIR/empty.conf"   # -s empty.conf: inherit nothing from the system /etc/samba/smb.conf
  $PY /usr/bin/samba-tool domain provision -s "$DIR/empty.conf" \
    --realm="$REALM" --domain="$DOMAIN" --server-role=dc --dns-backend=NONE \
    --adminpass="$ADMINPW" --host-name=dc1 --targetdir="$DIR" --use-rfc2307 \
    --option="interfaces=127.0.0.1" --option="bind interfaces only=yes" \
    --option="server services=ldap cldap kdc" \
    --option="pid directory=$DIR/run" --option="ncalrpc dir=$DIR/run/ncalrpc" \
    --option="winbindd socket directory=$DIR/run/winbindd" \
    --option="ntp signd socket directory=$DIR/run/ntp_signd" \
    --option="log file=$DIR/log/samba.log" >"$DIR/log/provision.log" 2>&1 \
    || { tail -20 "$DIR/log/provision.log" >&2; exit 1; }
  # Samba's own cert has no SAN (Go rejects it): our own with SANs, pinned by tests as ca.pem
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=dc1.example.test" \
    -addext "subjectAltName=DNS:dc1.example.test,DNS:localhost,DNS:$(hostname),IP:127.0.0.1" \
    -keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" 2>/dev/null
  chmod 600 "$DIR/tls/key.pem"   # samba refuses a key file that is not 0600
  # options provision does not carry into smb.conf
  sed -i "s|^\[global\]\$|[global]\n\tldap server require strong auth = $STRONG\n\ttls enabled = yes\n\ttls keyfile = $DIR/tls/key.pem\n\ttls certfile = $DIR/tls/cert.pem\n\ttls cafile = \n\tprefork children = 1|" "$CONF"
  # domain policy: passwords never expire (the cached dir must keep working), no complexity
  # rules for test passwords, lockout off (erin gets a fine-grained policy instead, so
  # other tests' wrong passwords never lock alice or bob)
  $PY /usr/bin/samba-tool domain passwordsettings set --max-pwd-age=0 --min-pwd-age=0 \
    --account-lockout-threshold=0 -H "$SAM" -s "$CONF" >/dev/null
  $PY - "$CONF" "$SAM" "$USERPW" >"$DIR/log/fixture.log" 2>&1 <<'PY' || { cat "$DIR/log/fixture.log" >&2; exit 1; }
# Fixture of the psgate test domain, written straight into sam.ldb by Debian's python
# (one process instead of ~25 samba-tool calls at ~0.4 s of startup each).
import sys

import ldb
from samba.auth import system_session
from samba.dsdb import GTYPE_DISTRIBUTION_UNIVERSAL_GROUP
from samba.param import LoadParm
from samba.samdb import SamDB

conf, sam, pw = sys.argv[1:4]
lp = LoadParm()
lp.load(conf)
db = SamDB(url=sam, session_info=system_session(), lp=lp)
base = str(db.domain_dn())
realm = db.domain_dns_name()


def dn_of(name):
    res = db.search(base=base, scope=ldb.SCOPE_SUBTREE,
                    expression="(sAMAccountName=%s)" % ldb.binary_encode(name), attrs=[])
    return str(res[0].dn)


def replace(dn, attr, value):
    m = ldb.Message(ldb.Dn(db, dn))
    m[attr] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, attr)
    db.modify(m)


def pso(name, precedence, applies_to, max_age, threshold):
    """A fine-grained password policy; times in 100 ns units, negative."""
    db.add({
        "dn": "CN=%s,CN=Password Settings Container,CN=System,%s" % (name, base),
        "objectClass": "msDS-PasswordSettings",
        "msDS-PasswordSettingsPrecedence": str(precedence),
        "msDS-PasswordReversibleEncryptionEnabled": "FALSE",
        "msDS-PasswordHistoryLength": "0",
        "msDS-PasswordComplexityEnabled": "FALSE",
        "msDS-MinimumPasswordLength": "0",
        "msDS-MinimumPasswordAge": "0",
        "msDS-MaximumPasswordAge": str(max_age),
        "msDS-LockoutThreshold": str(threshold),
        "msDS-LockoutObservationWindow": str(-30 * 60 * 10**7),
        "msDS-LockoutDuration": str(-30 * 60 * 10**7),
        "msDS-PSOAppliesTo": dn_of(applies_to),
    })


def members(group, *names):
    db.add_remove_group_members(group, list(names), add_members_operation=True)


db.newuser("alice", pw, givenname="Alice", surname="Admin", mailaddress="alice@" + realm)
for n in ("bob", "carol", "dave", "erin", "henry", "svc-psgate"):
    db.newuser(n, pw)
db.newuser("frank", pw, force_password_change_at_next_login_req=True)  # pwdLastSet=0: 773
db.disable_account("(sAMAccountName=dave)")  # 533
replace(dn_of("henry"), "accountExpires", "116444736000000000")  # 1970: 701
pso("psgate-lockout", 10, "erin", -0x8000000000000000, 3)  # 3 bad binds: 775
for g in ("helpdesk", "gateway-users", "gateway-admins", "web-servers", "all-servers", "loop-a", "loop-b"):
    db.newgroup(g)
db.newgroup("newsletter", grouptype=GTYPE_DISTRIBUTION_UNIVERSAL_GROUP)
db.newcomputer("srv1", ip_address_list=["127.0.0.1"])  # dNSHostName srv1.<realm>
members("helpdesk", "bob")
members("gateway-users", "alice", "helpdesk")  # nested
members("gateway-admins", "alice")
members("web-servers", "srv1$")
members("all-servers", "web-servers")
members("loop-a", "alice", "loop-b")
members("loop-b", "loop-a")  # a cycle
members("newsletter", "carol")
print("fixture written")
PY
  rm -rf "$DIR/pristine"; mkdir -p "$DIR/pristine"
  cp -a "$DIR/private" "$DIR/state" "$DIR/pristine/"
  echo "$FIXTURE_VERSION" >"$DIR/fixture.version"
  echo "samba: provisioned $REALM with the fixture in $DIR"
}

start() {
  stop >/dev/null
  if [[ $(cat "$DIR/fixture.version" 2>/dev/null) != "$FIXTURE_VERSION" || ! -d $DIR/pristine/private ]]; then
    provision
  else
    rm -rf "$DIR/private" "$DIR/state"
    cp -a "$DIR/pristine/private" "$DIR/pristine/state" "$DIR/"
  fi
  sed -i "s|^\tldap server require strong auth = .*|\tldap server require strong auth = $STRONG|" "$CONF"
  cp "$DIR/tls/cert.pem" "$DIR/ca.pem"
  cat >"$DIR/fixture.env" <<ENV
BASE_DN=$BASEDN
DOMAIN=$DOMAIN
REALM=$REALM
ADMIN_DN=CN=Administrator,CN=Users,$BASEDN
ADMIN_PASSWORD=$ADMINPW
SERVICE_DN=CN=svc-psgate,CN=Users,$BASEDN
SERVICE_PASSWORD=$USERPW
USER_PASSWORD=$USERPW
LDAPS_URL=ldaps://127.0.0.1:636
ENV
  # 9>&-: the daemon must not inherit the lock of this script
  samba -s "$CONF" -D -l "$DIR/log" --maximum-runtime="$MAXRUN" 9>&-
  for _ in $(seq 300); do
    ldapsearch -x -H ldap://127.0.0.1:389 -D "$DOMAIN\\svc-psgate" -w "$USERPW" -b "$BASEDN" -s base dn >/dev/null 2>&1 && {
      echo "samba: AD DC started (ldap 127.0.0.1:389, ldaps :636, kdc :88; domain $DOMAIN, realm $REALM)"; return; }
    sleep 0.1
  done
  echo "samba: did not answer on 127.0.0.1:389 (see $DIR/log)" >&2; exit 1
}

case "${1:-start}" in
  packages) echo "samba samba-ad-dc samba-ad-provision winbind ldap-utils openssl python3" ;;
  start) mkdir -p "$(dirname "$DIR")"; exec 9>"$DIR.lock"; flock 9; start ;;
  stop) mkdir -p "$(dirname "$DIR")"; exec 9>"$DIR.lock"; flock 9; stop ;;
  *) echo "usage: $0 packages|start|stop" >&2; exit 2 ;;
esac
