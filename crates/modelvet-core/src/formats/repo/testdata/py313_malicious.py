# Dangerous calls hidden in Python 3.12 and 3.13 syntax. Each flagged line ends
# with a `finds:` comment naming the call the scanner must report.
import os
from subprocess import run as launch

type Command = list[str]


def start[T: (str, bytes)](cmd: T) -> T:
    os.system(cmd)  # finds: os.system
    return cmd


class Runner[T]:
    def go(self, x: T) -> None:
        launch(["id"])  # finds: subprocess.run


banner = f"{"ok" if os.popen("id").read() else "no"}"  # finds: os.popen
deep = f"{f"{__import__("os").execv("/bin/sh", ["sh"])}"}"  # finds: __import__, os.execv


def pick[T = int](x: T) -> T:
    match x:
        case {"cmd": str(c)}:
            eval(c)  # finds: eval
    return x


@(lambda f: os.posix_spawn("/bin/sh", ["sh"], {}) or f)  # finds: os.posix_spawn
def decorated():
    pass


if (sh := os.system):
    sh("id")  # finds: os.system
