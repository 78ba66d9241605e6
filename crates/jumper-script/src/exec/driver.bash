# jumper's bash cell driver, run as `bash --norc --noprofile -c <this> NAME`.
# Each cell arrives on fd 3 as a line with its size in bytes, then the code; it is eval'ed in
# this very shell, so variables, functions, options and the working directory carry over. The
# status goes out on fd 4 as `status N`. `read -N` counts characters, hence LC_ALL=C: bytes.
# The cell runs with fds 3 and 4 closed (bash keeps close-on-exec copies meanwhile), so no
# program the cell starts holds jumper's pipes.
builtin printf 'ready 0\n' >&4
while IFS= builtin read -r -u 3 __jumper_size; do
    LC_ALL=C IFS= builtin read -r -N "$__jumper_size" -u 3 __jumper_cell || builtin exit 0
    { builtin eval "$__jumper_cell"; } 3<&- 4>&-
    builtin printf 'status %d\n' "$?" >&4 || builtin exit 0
done
