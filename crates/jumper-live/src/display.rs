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
        if !event::poll(timeout).map_err(LiveError::Terminal)? {
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
