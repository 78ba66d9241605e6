# jumper's bash cell driver, run as `bash --norc --noprofile -c <this> NAME`.
# Cells arrive on fd 3, each ended by a NUL byte; each is eval'ed in this very shell, so
# variables, functions, options and the working directory carry over. The status goes out on
# fd 4 as `status N`. The cell runs with fds 3 and 4 closed (bash keeps them on close-on-exec
# copies meanwhile), so nothing the cell starts holds jumper's pipes.
builtin printf 'ready 0\n' >&4
while IFS= builtin read -r -d '' __jumper_cell <&3; do
    { builtin eval "$__jumper_cell"; } 3<&- 4>&-
    builtin printf 'status %d\n' "$?" >&4 || builtin exit 0
done
