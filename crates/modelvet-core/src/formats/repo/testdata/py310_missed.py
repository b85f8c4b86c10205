# Python 3.10 syntax: calls in places a partial tree walk skips
# (keyword values, `with` items, comprehension sources, defaults, match
# cases, annotated assignments). Each flagged line ends with a `finds:`
# comment naming the call the scanner must report.
import os
import pickle
import subprocess
from typing import Any

print("x", end=os.system("id"))  # finds: os.system

with os.popen("id") as out:  # finds: os.popen
    pass

names = [n for n in subprocess.check_output(["ls"]).split()]  # finds: subprocess.check_output


def f(x=pickle.loads(b"")):  # finds: pickle.loads
    return x


def g(y=lambda: exec("1")):  # finds: exec
    return y


run: Any = os.execl
run("/bin/sh", "sh")  # finds: os.execl

try:
    pass
except Exception:
    os.spawnl(os.P_WAIT, "/bin/sh", "sh")  # finds: os.spawnl

match os.name:
    case "posix":
        os.popen("id")  # finds: os.popen
