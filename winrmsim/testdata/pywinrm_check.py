"""python3-winrm 0.3.0 against the simulator: argv = url user password transport [message_encryption]."""
import sys
import winrm
from winrm.exceptions import InvalidCredentialsError
from winrm.protocol import Protocol

url, user, password, transport = sys.argv[1:5]
kw = {}
if transport == 'ntlm':
    kw['message_encryption'] = sys.argv[5] if len(sys.argv) > 5 else 'never'

s = winrm.Session(url, auth=(user, password), transport=transport, **kw)
r = s.run_cmd('cmd', ['/c', 'echo', 'hi'])
assert r.std_out == b'hi\r\n' and r.status_code == 0, r.__dict__
r = s.run_cmd('cmd', ['/c', 'exit', '3'])
assert r.status_code == 3, r.__dict__
r = s.run_cmd('nosuch')
assert r.status_code == 1 and b'is not recognized' in r.std_err, r.__dict__

# timeout-retry path: a 3 s command with OperationTimeout PT1S
p = Protocol(endpoint=url, transport=transport, username=user, password=password,
             operation_timeout_sec=1, read_timeout_sec=5, **kw)
sh = p.open_shell()
cid = p.run_command(sh, 'powershell.exe', ['-Command', 'Start-Sleep -Seconds 3; Write-Output slept'])
out, err, code = p.get_command_output(sh, cid)
assert out.strip() == b'slept' and code == 0, (out, err, code)
p.cleanup_command(sh, cid)
p.close_shell(sh)

try:
    winrm.Session(url, auth=(user, 'wrong'), transport=transport, **kw).run_cmd('cmd', ['/c', 'echo'])
    raise SystemExit('bad credentials accepted')
except InvalidCredentialsError:
    pass
print('OK')
