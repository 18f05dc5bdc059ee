//! Lays a [`Letter`] out on A4 pages with krilla: the number and date flush right, the addressee
//! left, the issuer right, the title centred, the body, 記 and its items, tables and notes, in one
//! embedded (subset) font. Nothing in the output depends on the clock or chance: krilla writes no
//! creation date unless asked, and derives the document's `/ID` from its content, so the same
//! letter gives the same bytes.

use grants_domain::document::{Letter, Table};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};
use krilla::Document;

/// A4 in PostScript points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// 25 mm margins.
const MARGIN: f32 = 70.87;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const BODY: f32 = 10.5;
const LINE: f32 = 1.7;

/// How wide `text` is at `size` in a fixed-pitch Japanese font (IPA明朝 `ipam.ttf`): one em for
/// a full-width character, half an em for ASCII and half-width kana.
fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| advance(c) * size).sum()
}

fn advance(c: char) -> f32 {
    let code = c as u32;
    if code < 0x1100 || (0xFF61..=0xFF9F).contains(&code) {
        0.5
    } else {
        1.0
    }
}

/// `text` broken into lines no wider than `max` (Japanese breaks between any two characters;
/// explicit line breaks are kept).
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0.0;
        for c in paragraph.chars() {
            let w = advance(c) * size;
            if used + w > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0.0;
            }
            line.push(c);
            used += w;
        }
        lines.push(line);
    }
    lines
}

/// The pages being written, with the pen's height on the current one.
struct Pen {
    font: Font,
    pages: Vec<Vec<Op>>,
    y: f32,
}

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
}

impl Pen {
    fn new(font: Font) -> Self {
        Pen {
            font,
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Room for `height` more on this page, else a new page.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn text_at(&mut self, x: f32, size: f32, text: &str) {
        let y = self.y + size;
        self.ops().push(Op::Text {
            x,
            y,
            size,
            text: text.to_owned(),
        });
    }

    /// One line, placed left, right or centred, then the pen moves down.
    fn line(&mut self, text: &str, size: f32, align: Align) {
        self.room(size * LINE);
        let x = match align {
            Align::Left(indent) => MARGIN + indent,
            Align::Right => PAGE_WIDTH - MARGIN - width(text, size),
            Align::Centre => (PAGE_WIDTH - width(text, size)) / 2.0,
        };
        self.text_at(x, size, text);
        self.y += size * LINE;
    }

    /// A paragraph wrapped to the text width, its first line indented by one character.
    fn paragraph(&mut self, text: &str, size: f32, indent: f32) {
        let first = format!("　{text}");
        for line in wrap(&first, size, TEXT_WIDTH - indent) {
            self.line(&line, size, Align::Left(indent));
        }
    }

    fn gap(&mut self, size: f32) {
        self.y += size;
    }

    fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.ops().push(Op::Line { x1, y1, x2, y2 });
    }
}

enum Align {
    Left(f32),
    Right,
    Centre,
}

/// The letter as PDF bytes, in `font`.
pub fn render(letter: &Letter, font: Font) -> Result<Vec<u8>, String> {
    let mut pen = Pen::new(font.clone());
    if let Some(number) = &letter.number {
        pen.line(number, BODY, Align::Right);
    }
    if let Some(dated) = &letter.dated {
        pen.line(dated, BODY, Align::Right);
    }
    pen.gap(BODY);
    for line in &letter.addressee {
        pen.line(line, 12.0, Align::Left(0.0));
    }
    pen.gap(BODY * 0.5);
    for line in &letter.issuer {
        pen.line(line, 12.0, Align::Right);
    }
    pen.gap(BODY * 1.5);
    for line in wrap(&letter.title, 14.0, TEXT_WIDTH) {
        pen.line(&line, 14.0, Align::Centre);
    }
    pen.gap(BODY);
    for paragraph in &letter.body {
        pen.paragraph(paragraph, BODY, 0.0);
    }
    if !letter.items.is_empty() {
        pen.gap(BODY * 0.5);
        pen.line("記", BODY, Align::Centre);
        pen.gap(BODY * 0.5);
        let label_width = BODY * 10.5;
        for (n, (label, value)) in letter.items.iter().enumerate() {
            let head = format!("{}　{label}", n + 1);
            let lines = wrap(value, BODY, TEXT_WIDTH - label_width - BODY);
            pen.room(BODY * LINE * lines.len() as f32);
            pen.text_at(MARGIN + BODY, BODY, &head);
            for line in lines {
                pen.line(&line, BODY, Align::Left(label_width + BODY));
            }
        }
    }
    for table in &letter.tables {
        draw_table(&mut pen, table);
    }
    if !letter.notes.is_empty() {
        pen.gap(BODY);
        for note in &letter.notes {
            for (i, line) in wrap(note, 9.0, TEXT_WIDTH - 9.0).into_iter().enumerate() {
                let line = if i == 0 { format!("※{line}") } else { line };
                pen.line(&line, 9.0, Align::Left(if i == 0 { 0.0 } else { 9.0 }));
            }
        }
    }
    finish(pen, letter)
}

/// A table with ruled cells; the last column (the amount) flush right.
fn draw_table(pen: &mut Pen, table: &Table) {
    let size = 9.0;
    let columns = table.header.len().max(1);
    // The description column takes what the others leave.
    let narrow = TEXT_WIDTH / (columns as f32 + 2.0);
    let widths: Vec<f32> = (0..columns)
        .map(|i| {
            if i == 1 {
                TEXT_WIDTH - narrow * (columns as f32 - 1.0)
            } else {
                narrow
            }
        })
        .collect();
    pen.gap(BODY * 0.5);
    pen.line(&format!("【{}】", table.caption), BODY, Align::Left(0.0));
    let row_height = size * 1.9;
    let draw_row = |pen: &mut Pen, cells: &[String]| {
        let lines: Vec<Vec<String>> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, w)| wrap(cell, size, w - 6.0))
            .collect();
        let height = row_height * lines.iter().map(Vec::len).max().unwrap_or(1) as f32;
        pen.room(height);
        let top = pen.y;
        let mut x = MARGIN;
        for (i, (cell, w)) in lines.iter().zip(&widths).enumerate() {
            for (k, line) in cell.iter().enumerate() {
                let text_x = if i + 1 == columns && i > 0 {
                    x + w - 3.0 - width(line, size)
                } else {
                    x + 3.0
                };
                pen.y = top + row_height * k as f32 + (row_height - size) / 2.0 - size * 0.15;
                pen.text_at(text_x, size, line);
            }
            pen.rule(x, top, x, top + height);
            x += w;
        }
        pen.rule(x, top, x, top + height);
        pen.rule(MARGIN, top, MARGIN + TEXT_WIDTH, top);
        pen.rule(MARGIN, top + height, MARGIN + TEXT_WIDTH, top + height);
        pen.y = top + height;
    };
    draw_row(pen, &table.header);
    if table.rows.is_empty() {
        let mut empty = vec![String::new(); columns];
        empty[0] = "なし".to_owned();
        draw_row(pen, &empty);
    }
    for row in &table.rows {
        draw_row(pen, row);
    }
}

fn finish(pen: Pen, letter: &Letter) -> Result<Vec<u8>, String> {
    let mut document = Document::new();
    // A title and nothing that varies: no dates, no random ids (the /ID is a hash of the content).
    document.set_metadata(
        Metadata::new()
            .title(letter.title.clone())
            .language("ja".to_owned()),
    );
    let stroke = Stroke {
        width: 0.6,
        ..Stroke::default()
    };
    let font = pen.font;
    for ops in pen.pages {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("the A4 page")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, size, text } => surface.draw_text(
                    Point::from_xy(x, y),
                    font.clone(),
                    size,
                    &text,
                    false,
                    TextDirection::Auto,
                ),
                Op::Line { x1, y1, x2, y2 } => {
                    let mut path = PathBuilder::new();
                    path.move_to(x1, y1);
                    path.line_to(x2, y2);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(stroke.clone()));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|error| format!("the PDF could not be written: {error:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_breaks_anywhere_and_ascii_is_half_as_wide() {
        assert_eq!(width("交付", 10.0), 20.0);
        assert_eq!(width("12", 10.0), 10.0);
        assert_eq!(wrap("あいうえお", 10.0, 25.0), vec!["あい", "うえ", "お"]);
        assert_eq!(wrap("a\nb", 10.0, 100.0), vec!["a", "b"]);
    }
}
