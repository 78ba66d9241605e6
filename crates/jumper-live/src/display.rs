//! Where frames go and keys come from: the [`Display`] trait, the real terminal
//! ([`TerminalDisplay`], crossterm) and a mock for tests ([`MockDisplay`], ratatui's test
//! backend with a key queue).

use std::collections::VecDeque;
use std::io::{IsTerminal, Stdout};
use std::time::Duration;

use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::{Frame, Terminal};

use crate::state::Key;
use crate::LiveError;

/// What a display reports between frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A key.
    Key(Key),
    /// The terminal changed size: draw again at once.
    Resize,
}

/// A place to draw frames and read keys.
pub trait Display {
    /// Draws one frame.
    fn draw(&mut self, render: &mut dyn FnMut(&mut Frame)) -> Result<(), LiveError>;
    /// Waits up to `timeout` for an input; `None` when none came.
    fn poll(&mut self, timeout: Duration) -> Result<Option<Input>, LiveError>;
    /// Whether colour may be used.
    fn colors(&self) -> bool;
}

/// The real terminal: alternate screen, raw mode, hidden cursor; all restored on drop (also
/// when the view's thread unwinds).
pub struct TerminalDisplay {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    color: bool,
}

impl TerminalDisplay {
    /// Takes over the terminal; an error when stdin or stdout is not a terminal.
    pub fn new() -> Result<TerminalDisplay, LiveError> {
        check_terminal()?;
        terminal::enable_raw_mode().map_err(LiveError::Terminal)?;
        let mut out = std::io::stdout();
        if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
            let _ = terminal::disable_raw_mode();
            return Err(LiveError::Terminal(e));
        }
        let terminal = match Terminal::new(CrosstermBackend::new(out)) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(LiveError::Terminal(e));
            }
        };
        Ok(TerminalDisplay {
            terminal,
            color: crate::theme::color_wanted(),
        })
    }
}

/// Whether both stdin and stdout are terminals (the view reads keys and draws).
pub fn check_terminal() -> Result<(), LiveError> {
    if !std::io::stdin().is_terminal() {
        return Err(LiveError::NoTerminal("input"));
    }
    if !std::io::stdout().is_terminal() {
        return Err(LiveError::NoTerminal("output"));
    }
    Ok(())
}

fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// Waits up to `timeout` for input on standard input (or a signal); true when the terminal
/// hung up.
fn wait_for_input(timeout: Duration) -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: poll reads and writes one pollfd, which lives on this stack frame.
    let n = unsafe { libc::poll(&mut fd, 1, ms) };
    n > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// Whether the terminal on standard output has hung up: `tcgetattr` on it fails with EIO
/// once its window is closed or its ssh connection lost (one ioctl, cheap at frame rate).
pub(crate) fn terminal_hung_up() -> bool {
    let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr only writes a termios through the pointer, which points to one.
    let rc = unsafe { libc::tcgetattr(libc::STDOUT_FILENO, t.as_mut_ptr()) };
    rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EIO)
}

/// Points standard input, output and error at /dev/null, so that what jumper prints after its
/// terminal hung up (the report, notes) neither fails nor stops the session from being written.
pub fn detach_standard_streams() {
    let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    else {
        return;
    };
    use std::os::fd::AsRawFd;
    for fd in [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // SAFETY: dup2 of an open descriptor onto a standard one; no memory is involved.
        unsafe {
            libc::dup2(null.as_raw_fd(), fd);
        }
    }
}

impl Drop for TerminalDisplay {
    fn drop(&mut self) {
        restore();
    }
}

/// The key a crossterm key event stands for.
pub fn key_of(code: KeyCode, mods: KeyModifiers) -> Option<Key> {
    Some(match code {
        KeyCode::Char('c') if mods.contains(KeyModifiers::CONTROL) => Key::CtrlC,
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        _ => return None,
    })
}

impl Display for TerminalDisplay {
    fn draw(&mut self, render: &mut dyn FnMut(&mut Frame)) -> Result<(), LiveError> {
        self.terminal
            .draw(|f| render(f))
            .map(|_| ())
            .map_err(LiveError::Terminal)
    }

    fn poll(&mut self, timeout: Duration) -> Result<Option<Input>, LiveError> {
        // jumper waits for the terminal itself, and asks crossterm only once something is
        // there: crossterm 0.29 reads a hung-up terminal (closed window, lost ssh connection)
        // in an endless loop inside `event::poll`, and a frozen screen writes nothing that
        // could fail. A resize (SIGWINCH) interrupts the wait, and crossterm reports it.
        if wait_for_input(timeout) || terminal_hung_up() {
            return Err(LiveError::HungUp);
        }
        if !event::poll(Duration::ZERO).map_err(LiveError::Terminal)? {
            return Ok(None);
        }
        Ok(match event::read().map_err(LiveError::Terminal)? {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                key_of(k.code, k.modifiers).map(Input::Key)
            }
            Event::Resize(_, _) => Some(Input::Resize),
            _ => None,
        })
    }

    fn colors(&self) -> bool {
        self.color
    }
}

/// A display for tests: frames go to ratatui's [`TestBackend`], keys come from a queue.
pub struct MockDisplay {
    terminal: Terminal<TestBackend>,
    inputs: VecDeque<Input>,
    /// Frames drawn so far.
    pub draws: usize,
}

impl MockDisplay {
    /// A `width`×`height` mock.
    pub fn new(width: u16, height: u16) -> MockDisplay {
        // TestBackend's Terminal::new cannot fail (its size is known).
        let terminal = match Terminal::new(TestBackend::new(width, height)) {
            Ok(t) => t,
            Err(e) => match e {},
        };
        MockDisplay {
            terminal,
            inputs: VecDeque::new(),
            draws: 0,
        }
    }

    /// Queues keys.
    pub fn keys(&mut self, keys: impl IntoIterator<Item = Key>) {
        self.inputs.extend(keys.into_iter().map(Input::Key));
    }

    /// Resizes the screen, as a terminal resize would (queues a resize input).
    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.inputs.push_back(Input::Resize);
    }

    /// Whether inputs are still queued.
    pub fn pending(&self) -> usize {
        self.inputs.len()
    }

    /// The screen's lines as text.
    pub fn lines(&self) -> Vec<String> {
        buffer_lines(self.terminal.backend().buffer())
    }

    /// The screen as one text.
    pub fn text(&self) -> String {
        self.lines().join("\n")
    }

    /// Whether the screen shows `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.lines().iter().any(|l| l.contains(needle))
    }
}

/// The lines of a buffer as text (trailing blanks trimmed).
pub fn buffer_lines(b: &ratatui::buffer::Buffer) -> Vec<String> {
    let area = b.area;
    (0..area.height)
        .map(|y| {
            let mut s = String::new();
            for x in 0..area.width {
                s.push_str(b[(x, y)].symbol());
            }
            s.trim_end().to_string()
        })
        .collect()
}

impl Display for MockDisplay {
    fn draw(&mut self, render: &mut dyn FnMut(&mut Frame)) -> Result<(), LiveError> {
        self.draws += 1;
        match self.terminal.draw(|f| render(f)) {
            Ok(_) => Ok(()),
            Err(e) => match e {},
        }
    }

    fn poll(&mut self, _timeout: Duration) -> Result<Option<Input>, LiveError> {
        Ok(self.inputs.pop_front())
    }

    fn colors(&self) -> bool {
        false
    }
}
