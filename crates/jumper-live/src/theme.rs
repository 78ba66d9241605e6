//! Styles: colour on a terminal that wants it (never with `NO_COLOR`), bold and reverse
//! otherwise.

use ratatui::style::{Color, Modifier, Style};

/// Whether colour is wanted by the environment: `NO_COLOR` set to anything non-empty turns it
/// off (no-color.org), as does `TERM=dumb`.
pub fn color_wanted() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    !no_color && !dumb
}

/// The view's styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Whether colour is used.
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Titles.
    pub fn title(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// Labels and separators.
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().add_modifier(Modifier::DIM)
        } else {
            Style::new()
        }
    }
    /// Values.
    pub fn value(self) -> Style {
        self.fg(Color::Cyan)
    }
    /// Good news (ok cells, a falling load).
    pub fn good(self) -> Style {
        self.fg(Color::Green)
    }
    /// Bad news (failed cells, missed ticks).
    pub fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    /// Worth a look (running cells, rising trends).
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    /// Table headers.
    pub fn header(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
    /// The sorted column's header.
    pub fn sorted(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD | Modifier::UNDERLINED)
        }
    }
    /// Banners and prompts.
    pub fn banner(self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Green)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
}
