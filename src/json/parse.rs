//! The reader: the grammar of CPython's `json.loads` (strict mode).

use std::borrow::Cow;
use std::cell::Cell;

use compact_str::CompactString;

use super::{Error, Int, Limits, Map, Value};

type Entry = (CompactString, Value);

/// What becomes of a JSON object of exactly one member when it closes. Plain JSON keeps every
/// object a dict; Flask's tagged JSON turns its tag objects (`{" t": [...]}`) back into Python
/// values right there. Objects close inner first and in document order, which is Flask's
/// bottom-up untagging order, so no second walk over the tree is needed.
pub(crate) trait SingleMemberObjects {
    /// Whether a one-member object with this key goes to [`SingleMemberObjects::convert`].
    fn claims(&self, key: &str) -> bool;
    /// The value of a claimed one-member object.
    fn convert(&self, key: CompactString, value: Value) -> Result<Value, Error>;
}

/// Plain JSON: every object stays a dict.
pub(crate) struct PlainObjects;

impl SingleMemberObjects for PlainObjects {
    #[inline(always)]
    fn claims(&self, _key: &str) -> bool {
        false
    }
    fn convert(&self, key: CompactString, value: Value) -> Result<Value, Error> {
        Ok(Value::Dict(Map::from_members(vec![(key, value)])))
    }
}

/// An open array or object.
#[derive(Clone, Copy)]
struct Frame {
    /// Where its values start on the value stack.
    values_mark: usize,
    /// Objects: where its keys start on the key stack.
    keys_mark: usize,
    is_object: bool,
    /// Objects: one bit per fingerprint of the keys so far (see [`key_bit`]).
    keys_seen: u64,
    /// Objects: two keys have the same fingerprint, so they may be equal.
    may_repeat: bool,
}

/// A stack whose slots stay allocated, holding `T::default()` above the top, so that an item
/// is built right in its slot (see [`fill`]).
#[derive(Default)]
struct SlotStack<T> {
    slots: Vec<T>,
    top: usize,
    /// Stands in for a slot if one were ever missing (it never is: `next_slot` grows first).
    spare: T,
}

impl<T: Default> SlotStack<T> {
    const fn new(spare: T) -> SlotStack<T> {
        SlotStack {
            slots: Vec::new(),
            top: 0,
            spare,
        }
    }

    fn len(&self) -> usize {
        self.top
    }

    /// The next free slot (holding `T::default()`), now on the stack: to [`fill`].
    #[inline(always)]
    fn next_slot(&mut self) -> &mut T {
        if self.top >= self.slots.len() {
            self.grow();
        }
        let at = self.top;
        self.top += 1;
        match self.slots.get_mut(at) {
            Some(slot) => slot,
            None => &mut self.spare,
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let slots = (self.slots.len() * 2).max(16);
        self.slots.resize_with(slots, T::default);
    }

    /// Pushes an item built elsewhere.
    fn push(&mut self, item: T) {
        fill(self.next_slot(), item);
    }

    fn pop(&mut self) -> T {
        let Some(top) = self.top.checked_sub(1) else {
            return T::default();
        };
        self.top = top;
        self.slots
            .get_mut(top)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    fn last(&self) -> Option<&T> {
        self.slots.get(self.top.checked_sub(1)?)
    }

    /// The items from `mark` up, now off the stack: to be taken out (`mem::take`) of their
    /// slots.
    fn pop_from(&mut self, mark: usize) -> &mut [T] {
        let top = self.top;
        self.top = mark.min(top);
        self.slots.get_mut(mark..top).unwrap_or_default()
    }

    /// The items from `mark` up, in order, in a vector of their exact number.
    fn pop_vec_from(&mut self, mark: usize) -> Vec<T> {
        let items = self.pop_from(mark);
        let mut out = Vec::with_capacity(items.len());
        out.extend(items.iter_mut().map(std::mem::take));
        out
    }

    /// Drops the items (the slots stay).
    fn clear(&mut self) {
        self.pop_from(0)
            .iter_mut()
            .for_each(|item| drop(std::mem::take(item)));
    }
}

/// Moves `item` into `slot`, which holds `T::default()` (nothing to drop). `*slot = item`
/// would call the drop glue of the old value, and `item` would be built in a temporary to
/// outlive that call, then copied (see the comment above `impl Parser`).
#[inline(always)]
fn fill<T>(slot: &mut T, item: T) {
    std::mem::forget(std::mem::replace(slot, item));
}

/// The parser's work stacks, kept per thread between documents so that parsing allocates
/// only the tree it returns.
#[derive(Default)]
struct Stacks {
    /// Parsed values not yet in their container, innermost last: array items, and the member
    /// values of objects. A container takes its own in one exact-size allocation when it
    /// closes.
    values: SlotStack<Value>,
    /// The keys of the objects being parsed, likewise (an object's keys and values pair up).
    keys: SlotStack<CompactString>,
    /// The open containers, innermost last: as long as the depth limit at most.
    frames: Vec<Frame>,
    /// Where strings with escapes are unescaped.
    scratch: String,
}

/// Stacks that grew past this many entries (a large document) are not kept for the next one.
const KEPT_STACK_ENTRIES: usize = 1024;

impl Stacks {
    const fn new() -> Stacks {
        Stacks {
            values: SlotStack::new(Value::Null),
            keys: SlotStack::new(CompactString::const_new("")),
            frames: Vec::new(),
            scratch: String::new(),
        }
    }

    fn take() -> Stacks {
        STACKS.try_with(Cell::take).unwrap_or_default()
    }

    fn put_back(mut self) {
        self.values.clear();
        self.keys.clear();
        self.frames.clear();
        if self.values.slots.len() > KEPT_STACK_ENTRIES
            || self.keys.slots.len() > KEPT_STACK_ENTRIES
            || self.scratch.capacity() > KEPT_STACK_ENTRIES * 16
        {
            return;
        }
        // Fails only while the thread is being torn down: the stacks are then just dropped.
        let _ = STACKS.try_with(|cell| cell.set(self));
    }
}

thread_local! {
    /// Taken out while a document is parsed (a re-entrant parse gets fresh stacks).
    static STACKS: Cell<Stacks> = const { Cell::new(Stacks::new()) };
}

struct Parser<'a, O> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    limits: &'a Limits,
    objects: &'a O,
    stacks: Stacks,
    /// The first error of `objects.convert`. Python untags only a parsed document, so a
    /// syntax error anywhere wins over it: it is reported once the whole text has parsed.
    deferred: Option<Error>,
}

// Values and keys are built right in their stack slot (`next_slot`, then `fill`), and the
// hot paths return small values (positions, options), not results holding a `Value` or a
// `CompactString`. Otherwise a value is built in a temporary (it must be dropped if growing
// the stack unwinds) and copied with wide loads right after the narrow stores that built it,
// which stalls (store forwarding fails): that was a quarter of the parse time.
impl<'a, O: SingleMemberObjects> Parser<'a, O> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    #[cold]
    #[inline(never)]
    fn unexpected(&self, offset: usize, expected: &'static str) -> Error {
        match self.text.get(offset..).and_then(|s| s.chars().next()) {
            Some(found) => Error::UnexpectedChar {
                offset,
                found,
                expected,
            },
            None => Error::UnexpectedEnd,
        }
    }

    /// Skips `word` at `self.pos`, or fails as Python does where a value should start.
    #[inline(always)]
    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.unexpected(self.pos, "a JSON value"))
        }
    }

    /// The whole text as one value.
    fn document(&mut self) -> Result<Value, Error> {
        self.skip_ws();
        self.value()?;
        self.skip_ws();
        if self.pos != self.bytes.len() {
            return Err(Error::TrailingData { offset: self.pos });
        }
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
        Ok(self.stacks.values.pop())
    }

    fn push(&mut self, value: Value) {
        self.stacks.values.push(value);
    }

    /// Parses one value, containers included, onto the value stack. No recursion: the open
    /// containers are on `stacks.frames`, their items on `stacks.values` and `stacks.keys`.
    fn value(&mut self) -> Result<(), Error> {
        let depth_limit = self.limits.max_depth.min(super::MAX_WRITE_DEPTH);
        'value: loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    match self.plain_string() {
                        Some(text) => {
                            let slot = self.stacks.values.next_slot();
                            fill(slot, Value::Str(CompactString::new(text)));
                        }
                        None => {
                            let text = self.string_with_escapes()?;
                            self.push(Value::Str(text));
                        }
                    }
                }
                Some(b'-' | b'0'..=b'9') => match self.small_int() {
                    Some(n) => fill(self.stacks.values.next_slot(), Value::Int(Int::from(n))),
                    None => {
                        let number = self.number()?;
                        self.push(number);
                    }
                },
                Some(b't') => {
                    self.literal(b"true")?;
                    fill(self.stacks.values.next_slot(), Value::Bool(true));
                }
                Some(b'f') => {
                    self.literal(b"false")?;
                    fill(self.stacks.values.next_slot(), Value::Bool(false));
                }
                Some(b'n') => {
                    self.literal(b"null")?;
                    self.push(Value::Null);
                }
                Some(open @ (b'{' | b'[')) => {
                    if self.stacks.frames.len() >= depth_limit {
                        return Err(Error::TooDeep { limit: depth_limit });
                    }
                    self.pos += 1;
                    self.skip_ws();
                    let is_object = open == b'{';
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        self.push(if is_object {
                            Value::Dict(Map::new())
                        } else {
                            Value::List(Vec::new())
                        });
                    } else {
                        self.stacks.frames.push(Frame {
                            values_mark: self.stacks.values.len(),
                            keys_mark: self.stacks.keys.len(),
                            is_object,
                            keys_seen: 0,
                            may_repeat: false,
                        });
                        if is_object {
                            self.member_key()?;
                        }
                        continue 'value;
                    }
                }
                Some(b'N') => {
                    self.literal(b"NaN")?;
                    self.push(Value::Float(f64::NAN));
                }
                Some(b'I') => {
                    self.literal(b"Infinity")?;
                    self.push(Value::Float(f64::INFINITY));
                }
                None => return Err(Error::UnexpectedEnd),
                Some(_) => return Err(self.unexpected(self.pos, "a JSON value")),
            }
            // A value is complete: go on in its container, and close each container that
            // ends here (it then is a complete value of its own container).
            loop {
                let Some(&frame) = self.stacks.frames.last() else {
                    return Ok(());
                };
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_ws();
                        if frame.is_object {
                            self.member_key()?;
                        }
                        continue 'value;
                    }
                    Some(b']') if !frame.is_object => {
                        self.pos += 1;
                        self.stacks.frames.pop();
                        let items = self.stacks.values.pop_vec_from(frame.values_mark);
                        self.push(Value::List(items));
                    }
                    Some(b'}') if frame.is_object => {
                        self.pos += 1;
                        self.stacks.frames.pop();
                        self.close_object(frame);
                    }
                    _ => return Err(self.unexpected(self.pos, "',' delimiter")),
                }
            }
        }
    }

    /// Parses `"key" :` and pushes the key; `self.pos` is where the key should start, and
    /// ends where its value should.
    #[inline(always)]
    fn member_key(&mut self) -> Result<(), Error> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected(self.pos, "property name enclosed in double quotes"));
        }
        self.pos += 1;
        let start = self.pos;
        // Fingerprint the key where its bytes are at hand: an object whose fingerprints all
        // differ has distinct keys, and its map is built without comparing them.
        let bit = match self.plain_string() {
            Some(text) => {
                fill(self.stacks.keys.next_slot(), CompactString::new(text));
                key_bit_in(self.bytes, start, text.as_bytes())
            }
            None => {
                let key = self.string_with_escapes()?;
                let bit = key_bit(key.as_bytes());
                self.stacks.keys.push(key);
                bit
            }
        };
        if let Some(frame) = self.stacks.frames.last_mut() {
            frame.may_repeat |= frame.keys_seen & bit != 0;
            frame.keys_seen |= bit;
        }
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected(self.pos, "':' delimiter"));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    /// Replaces the keys and values of the object of `frame` on the stacks by its value.
    fn close_object(&mut self, frame: Frame) {
        let keys = self.stacks.keys.len() - frame.keys_mark;
        let claimed = keys == 1
            && self
                .stacks
                .keys
                .last()
                .is_some_and(|key| self.objects.claims(key));
        if claimed {
            return self.convert_last_member();
        }
        let Stacks { keys, values, .. } = &mut self.stacks;
        let keys = keys.pop_from(frame.keys_mark).iter_mut();
        let values = values.pop_from(frame.values_mark).iter_mut();
        let mut members: Vec<Entry> = Vec::with_capacity(keys.len());
        members.extend(keys.map(std::mem::take).zip(values.map(std::mem::take)));
        self.push(Value::Dict(if frame.may_repeat {
            Map::from_members(members)
        } else {
            Map::from_distinct_members(members)
        }));
    }

    /// Replaces the last key and value on the stacks by what `objects` makes of them.
    #[inline(never)]
    fn convert_last_member(&mut self) {
        let key = self.stacks.keys.pop();
        let value = self.stacks.values.pop();
        if self.deferred.is_some() {
            // The document already fails: the value is never seen.
            return self.push(Value::Null);
        }
        match self.objects.convert(key, value) {
            Ok(value) => self.push(value),
            Err(err) => {
                self.deferred = Some(err);
                self.push(Value::Null);
            }
        }
    }

    /// An integer of at most 18 digits (always an `i64`) with no fraction or exponent,
    /// parsed; else `None` with nothing consumed.
    #[inline(always)]
    fn small_int(&mut self) -> Option<i64> {
        let negative = self.peek() == Some(b'-');
        let int_start = self.pos + usize::from(negative);
        let mut end = int_start;
        let mut magnitude: i64 = 0;
        // Wrapping: the value is used only for at most 18 digits.
        while let Some(d @ b'0'..=b'9') = self.bytes.get(end).copied() {
            magnitude = magnitude.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
            end += 1;
        }
        let digits = end - int_start;
        let leading_zero = digits > 1 && self.bytes.get(int_start) == Some(&b'0');
        if digits == 0
            || digits > 18
            || digits > self.limits.max_int_digits
            || leading_zero
            || matches!(self.bytes.get(end), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        self.pos = end;
        Some(if negative { -magnitude } else { magnitude })
    }

    /// Any number (the general case of [`Parser::small_int`]).
    #[cold]
    #[inline(never)]
    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            Some(b'I') if negative => {
                self.pos = start;
                self.literal(b"-Infinity")?;
                return Ok(Value::Float(f64::NEG_INFINITY));
            }
            _ => return Err(self.unexpected(self.pos, "a digit")),
        }
        let int_end = self.pos;
        let mut is_float = false;
        // '.' counts only when a digit follows (else it is left as extra data).
        if self.peek() == Some(b'.') && matches!(self.bytes.get(self.pos + 1), Some(b'0'..=b'9')) {
            is_float = true;
            self.pos += 1;
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            let e_start = self.pos;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            let digits_start = self.pos;
            self.digits();
            if self.pos > digits_start {
                is_float = true;
            } else {
                // Python backtracks; the 'e' then is extra data.
                self.pos = e_start;
            }
        }
        let text = self.text.get(start..self.pos).unwrap_or("0");
        if is_float {
            // Rust's parser is correctly rounded like Python's float() and
            // also gives ±inf on overflow (`1e400`).
            let f: f64 = text.parse().map_err(|_| Error::InvalidInt)?;
            return Ok(Value::Float(f));
        }
        let digits = self.text.get(int_start..int_end).unwrap_or("0");
        if digits.len() > self.limits.max_int_digits {
            return Err(Error::IntTooLong {
                offset: start,
                digits: digits.len(),
                limit: self.limits.max_int_digits,
            });
        }
        Ok(Value::Int(Int::from_sign_digits(negative, digits)))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn hex4(&self, at: usize) -> Option<u16> {
        let chunk = self.bytes.get(at..at + 4)?;
        let mut v: u16 = 0;
        for &b in chunk {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return None,
            };
            v = (v << 4) | u16::from(d);
        }
        Some(v)
    }

    /// The text of a string with no escapes, `self.pos` just after its opening quote, and
    /// `self.pos` then just after its closing quote; else (an escape, a control character
    /// or the end) `None` with nothing consumed.
    #[inline(always)]
    fn plain_string(&mut self) -> Option<&'a str> {
        let start = self.pos;
        let end = start + plain_run(self.bytes.get(start..).unwrap_or_default());
        if self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        // The run stops only at ASCII bytes, so it is on char boundaries.
        self.text.get(start..end)
    }

    /// Parses a string that has escapes (or fails), `self.pos` just after its opening quote.
    #[cold]
    #[inline(never)]
    fn string_with_escapes(&mut self) -> Result<CompactString, Error> {
        let start = self.pos;
        self.pos += plain_run(self.bytes.get(start..).unwrap_or_default());
        let mut out = std::mem::take(&mut self.stacks.scratch);
        out.clear();
        out.push_str(self.text.get(start..self.pos).unwrap_or_default());
        loop {
            match self.peek() {
                None => return Err(Error::UnexpectedEnd),
                Some(b'"') => {
                    self.pos += 1;
                    let text = CompactString::new(&out);
                    self.stacks.scratch = out;
                    return Ok(text);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(Error::ControlCharInString { offset: self.pos }),
            }
            let run_start = self.pos;
            self.pos += plain_run(self.bytes.get(self.pos..).unwrap_or_default());
            out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let at = self.pos;
        let c = match self.bytes.get(at + 1) {
            None => return Err(Error::UnexpectedEnd),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let unit = self
                    .hex4(at + 2)
                    .ok_or(Error::InvalidEscape { offset: at })?;
                self.pos = at + 6;
                let c = match unit {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(Error::LoneSurrogate { offset: at });
                        }
                        let low = self
                            .hex4(self.pos + 2)
                            .ok_or(Error::InvalidEscape { offset: self.pos })?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Error::LoneSurrogate { offset: at });
                        }
                        self.pos += 6;
                        let code = 0x10000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        char::from_u32(code).ok_or(Error::LoneSurrogate { offset: at })?
                    }
                    0xDC00..=0xDFFF => return Err(Error::LoneSurrogate { offset: at }),
                    _ => char::from_u32(u32::from(unit))
                        .ok_or(Error::InvalidEscape { offset: at })?,
                };
                out.push(c);
                return Ok(());
            }
            Some(_) => return Err(Error::InvalidEscape { offset: at }),
        };
        out.push(c);
        self.pos = at + 2;
        Ok(())
    }
}

/// A bit (one of 64) from a key's length, first eight and last two bytes: equal keys have
/// the same bit.
fn key_bit(key: &[u8]) -> u64 {
    let mut head = [0u8; 8];
    for (h, &b) in head.iter_mut().zip(key) {
        *h = b;
    }
    fingerprint_bit(u64::from_le_bytes(head), key)
}

/// [`key_bit`] of `key`, which is `bytes[start..]` with no escapes: the first eight bytes
/// are read as one word when the text has them.
#[inline(always)]
fn key_bit_in(bytes: &[u8], start: usize, key: &[u8]) -> u64 {
    let Some(word) = bytes.get(start..start + 8) else {
        return key_bit(key);
    };
    let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
    let head = match key.len() {
        0..=7 => word & ((1u64 << (8 * key.len())) - 1),
        _ => word,
    };
    fingerprint_bit(head, key)
}

#[inline(always)]
fn fingerprint_bit(head: u64, key: &[u8]) -> u64 {
    let len = key.len();
    let last = |back: usize| {
        u64::from(
            len.checked_sub(back)
                .and_then(|i| key.get(i))
                .copied()
                .unwrap_or(0),
        )
    };
    let print = head ^ (len as u64 | last(2) << 8 | last(1) << 16).rotate_right(24);
    1u64 << (print.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58)
}

/// Length of the leading run of `bytes` with no `"`, `\\` or control character, eight bytes
/// at a time (most of a session's bytes are in such runs).
#[inline]
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        // `chunks_exact(8)` yields 8 bytes: the conversion cannot fail.
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // A byte that is zero (after the xor) or below 0x20 sets its high bit; bytes above
        // the lowest such byte may too (borrows), which the lowest set bit ignores. Bytes of
        // 0x80 and more never count: `!w` clears their high bit.
        let hits = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | w.wrapping_sub(ONES * 0x20) & !w)
            & HIGHS;
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + words
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(words.remainder().len())
}

/// Parses JSON text exactly as CPython's `json.loads(str)` does.
///
/// Accepts `NaN`, `Infinity`, `-Infinity`, integers of any length up to
/// `limits.max_int_digits`, floats as Python's `float()` (`1e400` is
/// infinity); joins surrogate-pair escapes; duplicate keys keep the last
/// value at the first position. Rejects control characters in strings, a
/// leading BOM, trailing data, nesting beyond `limits.max_depth`, and (the
/// one difference from Python) unpaired surrogate escapes.
///
/// ```
/// use signed_cookie::json::{from_str, Limits, Value};
/// let v = from_str(r#" {"a": 1, "a": "\ud83d\ude00"} "#, &Limits::default())?;
/// assert_eq!(v.get("a"), Some(&Value::from("\u{1F600}")));
/// assert!(from_str("[1] x", &Limits::default()).is_err());
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn from_str(text: &str, limits: &Limits) -> Result<Value, Error> {
    from_str_with(text, limits, &PlainObjects)
}

/// [`from_str`], with `objects` deciding what each one-member object becomes.
pub(crate) fn from_str_with<O: SingleMemberObjects>(
    text: &str,
    limits: &Limits,
    objects: &O,
) -> Result<Value, Error> {
    if text.starts_with('\u{feff}') {
        return Err(Error::Bom);
    }
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        limits,
        objects,
        stacks: Stacks::take(),
        deferred: None,
    };
    let result = parser.document();
    parser.stacks.put_back();
    result
}

/// Parses JSON bytes as CPython's `json.loads(bytes)` does (Starlette
/// passes bytes): the encoding is detected like `json.detect_encoding`
/// (UTF-8 with an optional BOM, UTF-16 or UTF-32 by BOM or by zero-byte
/// pattern), then the text is parsed by [`from_str`]. Encoded surrogates,
/// which Python's `surrogatepass` lets through, are rejected.
///
/// ```
/// use signed_cookie::json::{from_slice, Limits, Value};
/// let limits = Limits::default();
/// assert_eq!(from_slice(b"\xef\xbb\xbf[1]", &limits)?, Value::List(vec![1i64.into()]));
/// assert_eq!(from_slice(b"1\x00", &limits)?, Value::from(1i64)); // UTF-16-LE
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn from_slice(bytes: &[u8], limits: &Limits) -> Result<Value, Error> {
    let text = decode_detected(bytes)?;
    from_str(&text, limits)
}

fn decode_detected(b: &[u8]) -> Result<Cow<'_, str>, Error> {
    const UTF32_BE: &[u8] = b"\x00\x00\xfe\xff";
    const UTF32_LE: &[u8] = b"\xff\xfe\x00\x00";
    if b.starts_with(UTF32_BE) {
        return decode_utf32(b.get(4..).unwrap_or_default(), true, "utf-32").map(Cow::Owned);
    }
    if b.starts_with(UTF32_LE) {
        return decode_utf32(b.get(4..).unwrap_or_default(), false, "utf-32").map(Cow::Owned);
    }
    if b.starts_with(b"\xfe\xff") {
        return decode_utf16(b.get(2..).unwrap_or_default(), true, "utf-16").map(Cow::Owned);
    }
    if b.starts_with(b"\xff\xfe") {
        return decode_utf16(b.get(2..).unwrap_or_default(), false, "utf-16").map(Cow::Owned);
    }
    if let Some(rest) = b.strip_prefix(b"\xef\xbb\xbf") {
        return decode_utf8(rest, 3);
    }
    match (b.first(), b.get(1), b.get(2), b.get(3)) {
        (Some(0), Some(b1), Some(_), Some(_)) => {
            if *b1 != 0 {
                decode_utf16(b, true, "utf-16-be").map(Cow::Owned)
            } else {
                decode_utf32(b, true, "utf-32-be").map(Cow::Owned)
            }
        }
        (Some(_), Some(0), Some(b2), Some(b3)) => {
            if *b2 != 0 || *b3 != 0 {
                decode_utf16(b, false, "utf-16-le").map(Cow::Owned)
            } else {
                decode_utf32(b, false, "utf-32-le").map(Cow::Owned)
            }
        }
        (Some(0), Some(_), None, None) => decode_utf16(b, true, "utf-16-be").map(Cow::Owned),
        (Some(_), Some(0), None, None) => decode_utf16(b, false, "utf-16-le").map(Cow::Owned),
        _ => decode_utf8(b, 0),
    }
}

fn decode_utf8(b: &[u8], base: usize) -> Result<Cow<'_, str>, Error> {
    match std::str::from_utf8(b) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(e) => Err(Error::InvalidEncoding {
            encoding: "utf-8",
            offset: base + e.valid_up_to(),
        }),
    }
}

fn decode_utf16(b: &[u8], big_endian: bool, encoding: &'static str) -> Result<String, Error> {
    let chunks = b.chunks_exact(2);
    if !chunks.remainder().is_empty() {
        return Err(Error::InvalidEncoding {
            encoding,
            offset: b.len() - 1,
        });
    }
    let units = chunks.map(|c| match c {
        [x, y] if big_endian => u16::from_be_bytes([*x, *y]),
        [x, y] => u16::from_le_bytes([*x, *y]),
        _ => 0,
    });
    let mut out = String::with_capacity(b.len() / 2);
    for (i, r) in char::decode_utf16(units).enumerate() {
        match r {
            Ok(c) => out.push(c),
            Err(_) => {
                return Err(Error::InvalidEncoding {
                    encoding,
                    offset: i * 2,
                })
            }
        }
    }
    Ok(out)
}

fn decode_utf32(b: &[u8], big_endian: bool, encoding: &'static str) -> Result<String, Error> {
    let chunks = b.chunks_exact(4);
    if !chunks.remainder().is_empty() {
        return Err(Error::InvalidEncoding {
            encoding,
            offset: b.len() - chunks.remainder().len(),
        });
    }
    let mut out = String::with_capacity(b.len() / 4);
    for (i, c) in chunks.enumerate() {
        let v = match c {
            [w, x, y, z] if big_endian => u32::from_be_bytes([*w, *x, *y, *z]),
            [w, x, y, z] => u32::from_le_bytes([*w, *x, *y, *z]),
            _ => 0,
        };
        match char::from_u32(v) {
            Some(ch) => out.push(ch),
            None => {
                return Err(Error::InvalidEncoding {
                    encoding,
                    offset: i * 4,
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_runs_stop_at_the_first_quote_backslash_or_control_byte() {
        for len in 0..40 {
            for at in 0..len {
                for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    // Bytes next to the stops in value: '!', '#', '[', ']', 0x20, 0x7f, UTF-8.
                    let mut bytes: Vec<u8> = (0..len)
                        .map(|i| [b'!', b'#', b'[', b']', 0x20, 0x7f, 0xc3, 0xa9][i % 8])
                        .collect();
                    assert_eq!(plain_run(&bytes), len);
                    bytes[at] = stop;
                    if at + 1 < len {
                        bytes[at + 1] = 0x01;
                    }
                    assert_eq!(plain_run(&bytes), at, "len {len} at {at} stop {stop:#x}");
                }
            }
        }
    }
    use crate::json::{to_string, JsonStyle};

    fn p(s: &str) -> Result<Value, Error> {
        from_str(s, &Limits::default())
    }

    #[test]
    fn accepts_python_grammar() {
        assert_eq!(p(" \t\n\r1 \n").unwrap(), Value::from(1i64));
        assert_eq!(p("-0").unwrap(), Value::from(0i64));
        assert_eq!(
            p("-0.0").unwrap().as_f64().map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(p("1e400").unwrap(), Value::Float(f64::INFINITY));
        assert_eq!(
            p("-1E-400").unwrap().as_f64().map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(p("-Infinity").unwrap(), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(p("NaN").unwrap(), Value::Float(f) if f.is_nan()));
        assert_eq!(p("1.5e3").unwrap(), Value::Float(1500.0));
        assert_eq!(
            p("\"\\/\\b\\f\\u00E9\"").unwrap(),
            Value::from("/\u{8}\u{c}é")
        );
        assert_eq!(p("\"\u{7f}é\"").unwrap(), Value::from("\u{7f}é"));
        let big = p("1180591620717411303424").unwrap();
        assert_eq!(
            to_string(&big, &JsonStyle::FLASK).unwrap(),
            "1180591620717411303424"
        );
        let neg = p("-18446744073709551617").unwrap();
        assert_eq!(
            to_string(&neg, &JsonStyle::FLASK).unwrap(),
            "-18446744073709551617"
        );
        let d = p(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(
            to_string(&d, &JsonStyle::DJANGO).unwrap(),
            r#"{"a":3,"b":2}"#
        );
        assert_eq!(p(r#""\ud83d\ude00""#).unwrap(), Value::from("\u{1F600}"));
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            " ",
            "01",
            "1.",
            ".5",
            "1e",
            "1e+",
            "-",
            "+1",
            "[1,]",
            "{\"a\":1,}",
            "{1:2}",
            "[1 2]",
            "nul",
            "true1",
            "\"abc",
            "\"\t\"",
            "\"\\x\"",
            "\"\\u12\"",
            "-NaN",
            "infinity",
            "{\"a\" 1}",
            "[",
            "{",
            "\u{feff}1",
            "1 1",
            "'a'",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\ud800x\"",
        ] {
            assert!(p(bad).is_err(), "{bad:?} should fail");
        }
        assert!(matches!(
            p("[1,]"),
            Err(Error::UnexpectedChar { offset: 3, .. })
        ));
        assert!(matches!(
            p("\"\\ud800\""),
            Err(Error::LoneSurrogate { offset: 1 })
        ));
        assert!(matches!(
            p("\"a\u{1}\""),
            Err(Error::ControlCharInString { offset: 2 })
        ));
        assert!(matches!(p("1 x"), Err(Error::TrailingData { offset: 2 })));
        assert!(matches!(p("\u{feff}1"), Err(Error::Bom)));
    }

    #[test]
    fn limits() {
        let ok = "1".repeat(4300);
        assert!(p(&ok).is_ok());
        assert!(p(&format!("-{ok}")).is_ok());
        assert!(matches!(
            p(&"1".repeat(4301)),
            Err(Error::IntTooLong { digits: 4301, .. })
        ));
        let ten = Limits {
            max_int_digits: 10,
            ..Limits::default()
        };
        assert!(from_str("-1234567890", &ten).is_ok());
        assert!(matches!(
            from_str("[12345678901]", &ten),
            Err(Error::IntTooLong {
                digits: 11,
                offset: 1,
                limit: 10
            })
        ));
        // Floats have no digit limit in Python.
        assert!(p(&format!("{}.0", "1".repeat(5000))).is_ok());
        let deep_ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(p(&deep_ok).is_ok());
        let deep_bad = format!("{}{}", "[".repeat(129), "]".repeat(129));
        assert!(matches!(p(&deep_bad), Err(Error::TooDeep { limit: 128 })));
        let hostile = "[{\"a\":".repeat(100_000);
        assert!(p(&hostile).is_err());
    }

    #[test]
    fn the_stacks_kept_between_documents_start_empty() {
        // Failed documents leave values and keys on the stacks: they must not show up later.
        assert!(p(r#"[1, {"a": [2, "x", {"b": 3"#).is_err());
        assert!(p(r#"{"k": [1, 2], "l": tru"#).is_err());
        assert_eq!(p("[3]").unwrap(), Value::List(vec![3i64.into()]));
        assert_eq!(
            to_string(&p(r#"{"z": {"y": [4]}}"#).unwrap(), &JsonStyle::DJANGO).unwrap(),
            r#"{"z":{"y":[4]}}"#
        );
        // Deeper and wider than the stacks' first growth.
        let wide = format!("[{}]", vec!["[1, \"s\"]"; 100].join(", "));
        let deep = format!("{}0{}", "[{\"k\": ".repeat(60), "}]".repeat(60));
        for text in [wide, deep] {
            let v = p(&text).unwrap();
            assert_eq!(to_string(&v, &JsonStyle::PYTHON_DEFAULT).unwrap(), text);
        }
    }

    #[test]
    fn repeated_keys_escaped_or_not_keep_the_first_position_and_the_last_value() {
        let d = p(r#"{"ab": 1, "c": 2, "a\u0062": 3, "\u0063": 4, "ab": 5}"#).unwrap();
        assert_eq!(
            to_string(&d, &JsonStyle::DJANGO).unwrap(),
            r#"{"ab":5,"c":4}"#
        );
    }

    proptest::proptest! {
        /// Objects with repeated keys (short keys often share fingerprints, and the longer
        /// ones go past eight bytes) build the map Python's `dict(pairs)` builds.
        #[test]
        fn objects_are_python_dicts(
            members in proptest::collection::vec(("[ab]{0,2}|[ab]{8,10}", 0i64..9), 0..24)
        ) {
            let text = format!(
                "{{{}}}",
                members.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect::<Vec<_>>().join(", ")
            );
            let mut want: Vec<(String, i64)> = Vec::new();
            for (k, v) in &members {
                match want.iter_mut().find(|(wk, _)| wk == k) {
                    Some(entry) => entry.1 = *v,
                    None => want.push((k.clone(), *v)),
                }
            }
            let got = p(&text).unwrap();
            let got: Vec<(String, i64)> = got
                .as_dict()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_i64().unwrap()))
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn bytes_detection() {
        let l = Limits::default();
        assert_eq!(
            from_slice(b"[1]", &l).unwrap(),
            Value::List(vec![1i64.into()])
        );
        let utf16be: Vec<u8> = "[\"é\"]"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(
            from_slice(&utf16be, &l).unwrap(),
            Value::List(vec!["é".into()])
        );
        let utf32le: Vec<u8> = "{}"
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        assert!(from_slice(&utf32le, &l).unwrap().as_dict().is_some());
        assert!(from_slice(b"\xff", &l).is_err());
        assert!(from_slice(b"\"\xed\xa0\x80\"", &l).is_err());
    }
}
