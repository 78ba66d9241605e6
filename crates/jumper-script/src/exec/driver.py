def _jumper_driver():
    # jumper's Python cell driver, run as `python3 -u -c <this> [SCRIPT]`.
    #
    # Cells arrive on fd 3 as `cell <code bytes> <first line> <name bytes>\n<name><code>`;
    # results go out on fd 4 as `ok 0\n` or `err <n>\n<n bytes of "Type: message">`, after
    # stdout and stderr are flushed. User code runs in __main__'s own namespace, so pickling,
    # multiprocessing and `if __name__ == "__main__":` behave as in a script. The driver keeps
    # no name there: this function removes itself first.
    import os
    import sys

    g = sys.modules["__main__"].__dict__
    g.pop("_jumper_driver", None)
    import linecache

    os.set_inheritable(3, False)
    os.set_inheritable(4, False)
    code_in = os.fdopen(3, "rb")
    result_out = os.fdopen(4, "wb", buffering=0)

    if len(sys.argv) > 1:
        script = sys.argv[1]
        sys.argv[:] = [script]
        g["__file__"] = script
        sys.path[0] = os.path.dirname(os.path.abspath(script))

    def send(kind, payload=b""):
        result_out.write(b"%s %d\n" % (kind, len(payload)) + payload)

    def flush():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass

    def failed(exc, tb):
        # Without the driver's frame; the hooks print the exception's own traceback.
        try:
            exc.__traceback__ = tb
        except BaseException:
            pass
        sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, tb
        try:
            if sys.excepthook is sys.__excepthook__:
                # The traceback module reads linecache, so `<cell N>` lines show their code.
                import traceback

                traceback.print_exception(type(exc), exc, tb)
            else:
                sys.excepthook(type(exc), exc, tb)
        except BaseException:
            pass
        try:
            text = str(exc)
        except BaseException:
            text = ""
        name = type(exc).__name__
        return (name + ": " + text if text else name).encode("utf-8", "replace")

    send(b"ready")
    counter = 0
    while True:
        try:
            header = code_in.readline()
            if not header:
                return
            _, size, first, name_size = header.split()
            name = code_in.read(int(name_size)).decode("utf-8", "replace")
            code = code_in.read(int(size)).decode("utf-8", "replace")
        except KeyboardInterrupt:
            continue
        counter += 1
        if not name:
            name = "<cell %d>" % counter
        # Pad so line numbers in tracebacks are the script's own.
        source = "\n" * (int(first) - 1) + code
        if name.startswith("<"):
            # Register the source so tracebacks can show the failing lines (as IPython does);
            # a real file name is left to linecache, which reads the file itself.
            linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        error = None
        try:
            compiled = compile(source, name, "exec", dont_inherit=True)
        except BaseException as exc:
            error = failed(exc, None)
        else:
            try:
                exec(compiled, g)
            except SystemExit:
                # The cell ends the interpreter, as it would end the script.
                flush()
                raise
            except BaseException as exc:
                tb = exc.__traceback__
                error = failed(exc, tb.tb_next if tb is not None else None)
        flush()
        try:
            if error is None:
                send(b"ok")
            else:
                send(b"err", error)
        except OSError:
            # jumper is gone.
            return


_jumper_driver()
