# Python 3.14 syntax (PEP 758 `except A, B:` and PEP 750 t-strings).
# Each flagged line ends with a `finds:` comment naming the call the
# scanner must report.
import os

name = "model"
greeting = t"hello {name}"
shell = t"{os.system("id")}"  # finds: os.system

try:
    pass
except ValueError, TypeError:
    os.popen("id")  # finds: os.popen
