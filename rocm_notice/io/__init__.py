"""Reading and writing on the system, safely: files (bounded, non-blocking, inside an
installroot), the system log, a standard error that cannot fail a program."""
