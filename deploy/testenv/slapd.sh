#!/usr/bin/env bash
# Throw-away OpenLDAP slapd for the generic-LDAP tests of identity/ldap:
# ldap://127.0.0.1:3389 (StartTLS) and ldaps://127.0.0.1:3636, from
# $PSGATE_TEST_SLAPD_URL; state in $PSGATE_TEST_SLAPD_DIR
# (/tmp/psgate-testenv/slapd). Every start rebuilds the database from the
# fixture below, so a test that locks an account leaves nothing behind.
#
# Files the tests read in $DIR: ca.pem (the server certificate, pin it),
# fixture.env (base DN, admin DN and password, user password).
#
# Fixture (password Passw0rd! for every user; admin cn=admin,dc=example,dc=test / adminpw):
#   people:   alice bob carol (plain); dave (disabled: pwdAccountLockedTime 000001010000Z);
#             erin (ppolicy lockout after 3 failures); frank (pwdReset: must change);
#             gina (password expired: pwdMaxAge 1 s)
#   groups (groupOfNames): helpdesk={bob} ⊂ gateway-users={alice,helpdesk}; gateway-admins={alice};
#             loop-a={alice,loop-b} ⊂ loop-b={loop-a} (a cycle); web-servers={srv1} ⊂ all-servers
#   computers: cn=srv1,ou=computers (objectClass device + ipHost), dnsHostName-like ipHostNumber
# Usage: slapd.sh packages|start|stop
set -euo pipefail

URL=${PSGATE_TEST_SLAPD_URL:-ldap://127.0.0.1:3389}
HOSTPORT=${URL#ldap://}; HOSTPORT=${HOSTPORT%/}
PORT=${HOSTPORT##*:}
TLSPORT=${PSGATE_TEST_SLAPD_TLS_PORT:-3636}
DIR=${PSGATE_TEST_SLAPD_DIR:-/tmp/psgate-testenv/slapd}
SUFFIX="dc=example,dc=test"
ROOTDN="cn=admin,$SUFFIX"
ROOTPW=adminpw
USERPW='Passw0rd!'
PIDFILE=$DIR/slapd.pid
LDAPI="ldapi://$(printf %s "$DIR/ldapi" | sed 's,/,%2F,g')"

# alive PID: running, not a zombie (PID 1 may be a minimal init), and slapd
# (guards against a stale pidfile whose PID was reused).
alive() { local s; s=$(ps -o stat=,comm= -p "$1" 2>/dev/null) || return 1; [[ $s != Z* && $s == *slapd* ]]; }

stop() {
  if [[ -f $PIDFILE ]]; then
    local pid; pid=$(cat "$PIDFILE")
    if alive "$pid"; then
      kill "$pid"
      for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
      if alive "$pid"; then kill -9 "$pid" || true; fi
    fi
    rm -f "$PIDFILE"
  fi
  echo "slapd: stopped"
}

writeconf() {
  local hash; hash=$(slappasswd -s "$ROOTPW")
  cat >"$DIR/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload ppolicy
pidfile  $PIDFILE
argsfile $DIR/slapd.args
loglevel none
TLSCertificateFile    $DIR/tls/cert.pem
TLSCertificateKeyFile $DIR/tls/key.pem
# plain simple binds allowed on ldap:// for tests; the StartTLS/LDAPS tests pin ca.pem
security ssf=0
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read

database mdb
maxsize 104857600
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw $hash
directory $DIR/db
index objectClass,uid,cn,member,memberOf eq

# stored memberOf = direct groups only (AD semantics); the gateway recurses
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf

overlay ppolicy
ppolicy_default "cn=default,ou=policies,$SUFFIX"
ppolicy_use_lockout
EOF
}

user() { # uid cn uidNumber [extra ldif lines]
  printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: %s\ncn: %s\nsn: %s\nmail: %s@example.test\nuidNumber: %s\ngidNumber: %s\nhomeDirectory: /home/%s\nuserPassword: %s\n' \
    "$1" "$SUFFIX" "$1" "$2" "${2##* }" "$1" "$3" "$3" "$1" "$UPHASH"
  if [[ -n ${4:-} ]]; then printf '%s\n' "$4"; fi
  echo
}

group() { # cn member-dn...
  local cn=$1; shift
  printf 'dn: cn=%s,ou=groups,%s\nobjectClass: groupOfNames\ncn: %s\n' "$cn" "$SUFFIX" "$cn"
  for m in "$@"; do printf 'member: %s\n' "$m"; done
  echo
}

fixture() {
  local P="ou=people,$SUFFIX" G="ou=groups,$SUFFIX"
  cat <<EOF
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=groups,$SUFFIX
objectClass: organizationalUnit
ou: groups

dn: ou=computers,$SUFFIX
objectClass: organizationalUnit
ou: computers

dn: ou=policies,$SUFFIX
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,$SUFFIX
objectClass: device
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE
pwdMaxFailure: 3
pwdLockoutDuration: 0
pwdFailureCountInterval: 0
pwdMustChange: TRUE
pwdAllowUserChange: TRUE

dn: cn=expire-fast,ou=policies,$SUFFIX
objectClass: device
objectClass: pwdPolicy
cn: expire-fast
pwdAttribute: userPassword
pwdMaxAge: 1
pwdGraceAuthNLimit: 0

dn: cn=srv1,ou=computers,$SUFFIX
objectClass: device
objectClass: ipHost
cn: srv1
cn: srv1.example.test
ipHostNumber: 127.0.0.1

EOF
  user alice "Alice Admin" 10001
  user bob "Bob User" 10002
  user carol "Carol NoGroups" 10003
  user dave "Dave Disabled" 10004 "pwdAccountLockedTime: 000001010000Z"
  user erin "Erin Lockout" 10005
  user frank "Frank MustChange" 10006 "pwdReset: TRUE"
  user gina "Gina Expired" 10007 "pwdPolicySubentry: cn=expire-fast,ou=policies,$SUFFIX"
  user zoe "Zoe Victim" 10008
  # mallory's entry also carries zoe's uid, first: the identity must come
  # from the DN's RDN (uid=mallory), never from the first uid value
  printf 'dn: uid=mallory,%s\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: zoe\nuid: mallory\ncn: Mallory Multi\nsn: Multi\nuidNumber: 10009\ngidNumber: 10009\nhomeDirectory: /home/mallory\nuserPassword: %s\n\n' "$P" "$UPHASH"
  # groups after their members, so that the memberof overlay writes memberOf
  group helpdesk "uid=bob,$P"
  group gateway-users "uid=alice,$P" "cn=helpdesk,$G"
  group gateway-admins "uid=alice,$P"
  group web-servers "cn=srv1,ou=computers,$SUFFIX"
  group all-servers "cn=web-servers,$G"
  group loop-a "uid=alice,$P"
  group loop-b "cn=loop-a,$G"
  printf 'dn: cn=loop-a,%s\nchangetype: modify\nadd: member\nmember: cn=loop-b,%s\n\n' "$G" "$G"
}

start() {
  stop >/dev/null
  rm -rf "$DIR/db" "$DIR/slapd.conf"
  mkdir -p "$DIR/db" "$DIR/tls"
  if [[ ! -s $DIR/tls/cert.pem ]]; then
    # use 127.0.0.1 in URLs: libldap swaps "localhost" for the host name in its TLS checks
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,DNS:$(hostname),IP:127.0.0.1" \
      -keyout "$DIR/tls/key.pem.tmp" -out "$DIR/tls/cert.pem.tmp" 2>/dev/null
    chmod 600 "$DIR/tls/key.pem.tmp"
    mv "$DIR/tls/key.pem.tmp" "$DIR/tls/key.pem"; mv "$DIR/tls/cert.pem.tmp" "$DIR/tls/cert.pem"
  fi
  cp "$DIR/tls/cert.pem" "$DIR/ca.pem"
  writeconf
  slaptest -u -f "$DIR/slapd.conf" >/dev/null 2>&1 || { slaptest -u -f "$DIR/slapd.conf"; exit 1; }
  # 9>&-: the daemon must not inherit the lock of this script
  slapd -f "$DIR/slapd.conf" -h "ldap://127.0.0.1:$PORT/ ldaps://127.0.0.1:$TLSPORT/ $LDAPI" 9>&-
  local ok=
  for _ in $(seq 200); do
    if ldapsearch -x -H "ldap://127.0.0.1:$PORT" -b "" -s base namingContexts >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.05
  done
  [[ -n $ok ]] || { echo "slapd: did not answer on 127.0.0.1:$PORT" >&2; exit 1; }
  UPHASH=$(slappasswd -s "$USERPW")
  fixture | ldapmodify -a -x -H "ldap://127.0.0.1:$PORT" -D "$ROOTDN" -w "$ROOTPW" >/dev/null
  cat >"$DIR/fixture.env" <<EOF
BASE_DN=$SUFFIX
ADMIN_DN=$ROOTDN
ADMIN_PASSWORD=$ROOTPW
USER_PASSWORD=$USERPW
LDAPS_URL=ldaps://127.0.0.1:$TLSPORT
EOF
  echo "slapd: started on ldap://127.0.0.1:$PORT ldaps://127.0.0.1:$TLSPORT (fixture loaded)"
}

case "${1:-start}" in
  packages) echo "slapd ldap-utils openssl" ;;
  start) mkdir -p "$DIR"; exec 9>"$DIR.lock"; flock 9; start ;;
  stop) mkdir -p "$DIR"; exec 9>"$DIR.lock"; flock 9; stop ;;
  *) echo "usage: $0 packages|start|stop" >&2; exit 2 ;;
esac
