//! The reader: the grammar of CPython's `json.loads` (strict mode).

use std::borrow::Cow;
use std::cell::RefCell;

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
    /// Where its items start on the value stack (arrays) or the member stack (objects).
    mark: usize,
    is_object: bool,
    /// On the frame stack: the keys of the object, saved while an inner container is open.
    keys_seen: KeysSeen,
}

/// Which keys an object has had so far. Kept apart from [`Frame`] (in memory: it is used
/// once per key), saved with the frame when a container opens inside an object.
#[derive(Clone, Copy, Default)]
struct KeysSeen {
    /// Its keys so far are those of the key template, in order (so they differ), and are not
    /// in the Bloom filter yet.
    on_template: bool,
    /// A two-bit Bloom filter of the other keys (bits from [`key_hash`]).
    bits: [u64; 2],
    /// Two keys set the same bits, so they may be equal.
    may_repeat: bool,
}

/// A key of the last object closed in an array (the keys of the next one are most likely
/// the same, in the same order: a list of records). A key found at its place in the text is
/// cloned, not scanned, built and hashed again. (CPython's reader memoizes keys too.)
struct TemplateKey {
    key: CompactString,
    len: usize,
    /// The first and the last eight bytes of the key (of the key zero-padded, if shorter),
    /// as words.
    head: u64,
    tail: u64,
    /// Which bytes of the text's word at the key's start are the key's.
    head_mask: u64,
}

/// Keys of at most this many bytes (two words) go in the template.
const TEMPLATE_KEY_MAX: usize = 16;

impl TemplateKey {
    /// `key` as a template key, if it fits and is written as it is in JSON (no character
    /// that needs an escape).
    fn new(key: &CompactString) -> Option<TemplateKey> {
        let bytes = key.as_bytes();
        let len = bytes.len();
        if len > TEMPLATE_KEY_MAX || plain_run(bytes) != len {
            return None;
        }
        let word = |from: usize| {
            let mut word = [0u8; 8];
            for (w, &b) in word.iter_mut().zip(bytes.get(from..).unwrap_or_default()) {
                *w = b;
            }
            u64::from_le_bytes(word)
        };
        Some(TemplateKey {
            key: key.clone(),
            len,
            head: word(0),
            tail: word(len.saturating_sub(8)),
            head_mask: 1u64.checked_shl(8 * len as u32).map_or(u64::MAX, |b| b - 1),
        })
    }

    /// Whether the string at `bytes[start..]` (after its opening quote) is this key with
    /// no escapes, closing quote included.
    #[inline(always)]
    fn is_at(&self, bytes: &[u8], start: usize) -> bool {
        let word_at = |at: usize| {
            let word = bytes.get(at..at + 8)?;
            Some(u64::from_le_bytes(word.try_into().unwrap_or([0; 8])))
        };
        let Some(head) = word_at(start) else {
            return false;
        };
        head & self.head_mask == self.head
            && (self.len <= 8 || word_at(start + self.len - 8) == Some(self.tail))
            && bytes.get(start + self.len) == Some(&b'"')
    }
}

impl KeysSeen {
    #[inline(always)]
    fn add(&mut self, hash: u64) {
        let [seen_a, seen_b] = &mut self.bits;
        let (a, b) = (1u64 << (hash >> 58), 1u64 << ((hash >> 52) & 63));
        self.may_repeat |= (*seen_a & a != 0) & (*seen_b & b != 0);
        *seen_a |= a;
        *seen_b |= b;
    }
}

impl Frame {
    /// Stands for the top level, where the document's value goes on the value stack.
    const TOP: Frame = Frame {
        mark: 0,
        is_object: false,
        keys_seen: KeysSeen {
            on_template: false,
            bits: [0; 2],
            may_repeat: false,
        },
    };
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

    /// The top item, or the spare slot if the stack is empty (it never is where this is
    /// used).
    #[inline(always)]
    fn last_mut(&mut self) -> &mut T {
        match self
            .top
            .checked_sub(1)
            .and_then(|top| self.slots.get_mut(top))
        {
            Some(slot) => slot,
            None => &mut self.spare,
        }
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
    /// The items of the arrays being parsed, innermost last (and the document's value). An
    /// array takes its own in one exact-size allocation when it closes.
    values: SlotStack<Value>,
    /// The members of the objects being parsed, likewise. The value of the last one is
    /// `Null` until it is parsed.
    members: SlotStack<Entry>,
    /// The open containers, innermost last: as long as the depth limit at most.
    frames: Vec<Frame>,
    /// Where strings with escapes are unescaped.
    scratch: String,
    /// The keys of the last object closed in an array (kept from one document to the next).
    template: Vec<TemplateKey>,
}

/// Stacks that grew past this many entries (a large document) are not kept for the next one.
const KEPT_STACK_ENTRIES: usize = 1024;

impl Stacks {
    const fn new() -> Stacks {
        Stacks {
            values: SlotStack::new(Value::Null),
            members: SlotStack::new((CompactString::const_new(""), Value::Null)),
            frames: Vec::new(),
            scratch: String::new(),
            template: Vec::new(),
        }
    }

    /// Empties the stacks for the next document (after an error they hold its values).
    fn reset(&mut self) {
        self.values.clear();
        self.members.clear();
        self.frames.clear();
        if self.values.slots.len() > KEPT_STACK_ENTRIES
            || self.members.slots.len() > KEPT_STACK_ENTRIES
            || self.scratch.capacity() > KEPT_STACK_ENTRIES * 16
        {
            *self = Stacks::new();
        }
    }
}

thread_local! {
    /// Borrowed while a document is parsed (a re-entrant parse uses fresh stacks).
    static STACKS: RefCell<Stacks> = const { RefCell::new(Stacks::new()) };
}

struct Parser<'a, O> {
    text: &'a str,
    pos: usize,
    limits: &'a Limits,
    objects: &'a O,
    stacks: &'a mut Stacks,
    /// The first error of `objects.convert`. Python untags only a parsed document, so a
    /// syntax error anywhere wins over it: it is reported once the whole text has parsed.
    deferred: Option<Error>,
    /// The keys of the innermost open object.
    keys_seen: KeysSeen,
}

// Values and keys are built right in their stack slot (`next_slot`, then `fill`), and the
// hot paths return small values (positions, options), not results holding a `Value` or a
// `CompactString`. Otherwise a value is built in a temporary (it must be dropped if growing
// the stack unwinds) and copied with wide loads right after the narrow stores that built it,
// which stalls (store forwarding fails): that was a quarter of the parse time.
impl<'a, O: SingleMemberObjects> Parser<'a, O> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        self.pos = skip_ws(self.text.as_bytes(), self.pos);
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

    /// The whole text as one value.
    fn document(&mut self) -> Result<Value, Error> {
        self.skip_ws();
        self.value()?;
        self.skip_ws();
        if self.pos != self.text.len() {
            return Err(Error::TrailingData { offset: self.pos });
        }
        if let Some(err) = self.deferred.take() {
            return Err(err);
        }
        Ok(self.stacks.values.pop())
    }

    /// The slot of the next complete value: the value of the innermost object's last member,
    /// or the next one on the value stack.
    #[inline(always)]
    fn value_slot(&mut self, in_object: bool) -> &mut Value {
        if in_object {
            &mut self.stacks.members.last_mut().1
        } else {
            self.stacks.values.next_slot()
        }
    }

    /// Parses one value, containers included, onto the value stack. No recursion: the open
    /// containers are on `stacks.frames`, their items on `stacks.values` and
    /// `stacks.members`. The position is kept in a local (written back to `self.pos` around
    /// the cold paths that use it): as a field it goes through memory at every step.
    fn value(&mut self) -> Result<(), Error> {
        let bytes = self.text.as_bytes();
        let text = self.text;
        let depth_limit = self.limits.max_depth.min(super::MAX_WRITE_DEPTH);
        let max_int_digits = self.limits.max_int_digits;
        let mut pos = self.pos;
        // The innermost open container (the outer ones are on `stacks.frames`), or at the top
        // level (`depth` 0) a stand-in array.
        let mut depth = 0usize;
        let mut inner = Frame::TOP;
        'value: loop {
            let in_object = inner.is_object;
            match bytes.get(pos) {
                Some(b'"') => {
                    let start = pos + 1;
                    let end = plain_end(bytes, start);
                    if bytes.get(end) == Some(&b'"') {
                        // No escapes (nearly every string of a session): straight from the
                        // text. The run stops only at ASCII bytes, so on char boundaries.
                        pos = end + 1;
                        let plain = text.get(start..end).unwrap_or_default();
                        let slot = self.value_slot(in_object);
                        fill(slot, Value::Str(CompactString::new(plain)));
                    } else {
                        self.pos = start;
                        let unescaped = self.string_with_escapes()?;
                        pos = self.pos;
                        fill(self.value_slot(in_object), Value::Str(unescaped));
                    }
                }
                Some(b'-' | b'0'..=b'9') => match small_int(bytes, pos, max_int_digits) {
                    Some((n, end)) => {
                        pos = end;
                        fill(self.value_slot(in_object), Value::Int(Int::from(n)));
                    }
                    None => {
                        self.pos = pos;
                        let number = self.number()?;
                        pos = self.pos;
                        fill(self.value_slot(in_object), number);
                    }
                },
                Some(b't') => {
                    pos = self.word(pos, b"true")?;
                    fill(self.value_slot(in_object), Value::Bool(true));
                }
                Some(b'f') => {
                    pos = self.word(pos, b"false")?;
                    fill(self.value_slot(in_object), Value::Bool(false));
                }
                Some(b'n') => {
                    pos = self.word(pos, b"null")?;
                    fill(self.value_slot(in_object), Value::Null);
                }
                Some(&open @ (b'{' | b'[')) => {
                    if depth >= depth_limit {
                        return Err(Error::TooDeep { limit: depth_limit });
                    }
                    pos = skip_ws(bytes, pos + 1);
                    let is_object = open == b'{';
                    let close = if is_object { b'}' } else { b']' };
                    if bytes.get(pos) == Some(&close) {
                        pos += 1;
                        let empty = if is_object {
                            Value::Dict(Map::new())
                        } else {
                            Value::List(Vec::new())
                        };
                        fill(self.value_slot(in_object), empty);
                    } else {
                        // Objects in arrays follow the key template (it comes from one).
                        let in_array = depth > 0 && !inner.is_object;
                        if depth > 0 {
                            inner.keys_seen = self.keys_seen;
                            self.stacks.frames.push(inner);
                        }
                        depth += 1;
                        inner = Frame {
                            mark: if is_object {
                                self.stacks.members.len()
                            } else {
                                self.stacks.values.len()
                            },
                            is_object,
                            keys_seen: KeysSeen::default(),
                        };
                        if is_object {
                            self.keys_seen = KeysSeen {
                                on_template: in_array,
                                ..KeysSeen::default()
                            };
                            pos = self.member_key(pos, inner.mark)?;
                        }
                        continue 'value;
                    }
                }
                // Whitespace is skipped where it is found (compact JSON has none).
                Some(b' ' | b'\t' | b'\n' | b'\r') => {
                    pos = skip_ws(bytes, pos + 1);
                    continue 'value;
                }
                Some(b'N') => {
                    pos = self.word(pos, b"NaN")?;
                    fill(self.value_slot(in_object), Value::Float(f64::NAN));
                }
                Some(b'I') => {
                    pos = self.word(pos, b"Infinity")?;
                    fill(self.value_slot(in_object), Value::Float(f64::INFINITY));
                }
                None => return Err(Error::UnexpectedEnd),
                Some(_) => return Err(self.unexpected(pos, "a JSON value")),
            }
            // A value is complete: go on in its container, and close each container that
            // ends here (it then is a complete value of its own container).
            loop {
                if depth == 0 {
                    self.pos = pos;
                    return Ok(());
                }
                let closed = match bytes.get(pos) {
                    Some(b',') => {
                        pos += 1;
                        if inner.is_object {
                            pos = self.member_key(pos, inner.mark)?;
                        }
                        continue 'value;
                    }
                    Some(b']') if !inner.is_object => {
                        pos += 1;
                        Value::List(self.stacks.values.pop_vec_from(inner.mark))
                    }
                    Some(b'}') if inner.is_object => {
                        pos += 1;
                        let in_array = depth > 1
                            && self
                                .stacks
                                .frames
                                .last()
                                .is_some_and(|outer| !outer.is_object);
                        self.close_object(inner, in_array)
                    }
                    Some(b' ' | b'\t' | b'\n' | b'\r') => {
                        pos = skip_ws(bytes, pos + 1);
                        continue;
                    }
                    _ => return Err(self.unexpected(pos, "',' delimiter")),
                };
                depth -= 1;
                inner = match depth {
                    0 => Frame::TOP,
                    _ => self.stacks.frames.pop().unwrap_or(Frame::TOP),
                };
                self.keys_seen = inner.keys_seen;
                fill(self.value_slot(inner.is_object), closed);
            }
        }
    }

    /// The position after `word` at `pos`, or Python's error where a value should start.
    #[inline(always)]
    fn word(&self, pos: usize, word: &[u8]) -> Result<usize, Error> {
        if self.text.as_bytes().get(pos..pos + word.len()) == Some(word) {
            Ok(pos + word.len())
        } else {
            Err(self.unexpected(pos, "a JSON value"))
        }
    }

    /// Parses `"key" :` at `pos` (whitespace first allowed) and pushes a member with that key
    /// for the innermost object; returns the position after the colon.
    #[inline(always)]
    fn member_key(&mut self, mut pos: usize, mark: usize) -> Result<usize, Error> {
        let bytes = self.text.as_bytes();
        if bytes.get(pos) != Some(&b'"') {
            pos = skip_ws(bytes, pos);
            if bytes.get(pos) != Some(&b'"') {
                return Err(self.unexpected(pos, "property name enclosed in double quotes"));
            }
        }
        let start = pos + 1;
        if self.keys_seen.on_template {
            let at = self.stacks.members.len() - mark;
            if let Some(known) = self
                .stacks
                .template
                .get(at)
                .filter(|t| t.is_at(bytes, start))
            {
                let key = known.key.clone();
                let end = start + known.len + 1;
                fill(&mut self.stacks.members.next_slot().0, key);
                return self.colon_after_key(end);
            }
            self.leave_template(mark);
        }
        let mut end = plain_end(bytes, start);
        // Hash the key where its bytes are at hand: an object whose keys the Bloom filter
        // never saw before has distinct keys, and its map is built without comparing them.
        let hash = if bytes.get(end) == Some(&b'"') {
            let key = self.text.get(start..end).unwrap_or_default();
            fill(
                &mut self.stacks.members.next_slot().0,
                CompactString::new(key),
            );
            end += 1;
            key_hash_in(bytes, start, key.len())
        } else {
            self.pos = start;
            let key = self.string_with_escapes()?;
            end = self.pos;
            let hash = key_hash(key.as_bytes());
            fill(&mut self.stacks.members.next_slot().0, key);
            hash
        };
        self.keys_seen.add(hash);
        self.colon_after_key(end)
    }

    /// The keys of the innermost object, from `mark` on the member stack, stop following the
    /// template: they go in the Bloom filter.
    #[cold]
    #[inline(never)]
    fn leave_template(&mut self, mark: usize) {
        self.keys_seen.on_template = false;
        let keys = self.stacks.members.slots.get(mark..self.stacks.members.top);
        for (key, _) in keys.unwrap_or_default() {
            self.keys_seen.add(key_hash(key.as_bytes()));
        }
    }

    /// The position after the `:` (whitespace first allowed) that follows a key ending
    /// before `end`.
    #[inline(always)]
    fn colon_after_key(&self, end: usize) -> Result<usize, Error> {
        let bytes = self.text.as_bytes();
        let mut colon = end;
        if bytes.get(colon) != Some(&b':') {
            colon = skip_ws(bytes, colon);
            if bytes.get(colon) != Some(&b':') {
                return Err(self.unexpected(colon, "':' delimiter"));
            }
        }
        // Whitespace before the value is skipped where the value is parsed.
        Ok(colon + 1)
    }

    /// The value of the object of `frame`, its members taken off the member stack.
    fn close_object(&mut self, frame: Frame, in_array: bool) -> Value {
        let claimed = self.stacks.members.len() == frame.mark + 1
            && self
                .stacks
                .members
                .last()
                .is_some_and(|(key, _)| self.objects.claims(key));
        if claimed {
            let (key, value) = self.stacks.members.pop();
            return self.convert_member(key, value);
        }
        let members = self.stacks.members.pop_vec_from(frame.mark);
        if !self.keys_seen.may_repeat {
            if in_array && !self.keys_seen.on_template {
                self.set_template(&members);
            }
            return Value::Dict(Map::from_distinct_members(members));
        }
        let map = Map::from_members(members);
        // Repeats of one key leave one member (`{" t": 1, " t": [2]}`): as Python's dict, it
        // then is a one-member object to `objects` too.
        let claimed =
            map.len() == 1 && map.first().is_some_and(|(key, _)| self.objects.claims(key));
        if !claimed {
            return Value::Dict(map);
        }
        match map.into_iter().next() {
            Some((key, value)) => self.convert_member(key, value),
            None => Value::Null,
        }
    }

    /// Makes the keys of `members` (distinct) the key template, as far as they fit.
    #[cold]
    #[inline(never)]
    fn set_template(&mut self, members: &[Entry]) {
        let template = &mut self.stacks.template;
        template.clear();
        let keys = members.iter().take(super::map::LINEAR_MAX);
        template.extend(keys.map_while(|(key, _)| TemplateKey::new(key)));
    }

    /// What `objects` makes of the one member of an object.
    #[inline(never)]
    fn convert_member(&mut self, key: CompactString, value: Value) -> Value {
        if self.deferred.is_some() {
            // The document already fails: the value is never seen.
            return Value::Null;
        }
        match self.objects.convert(key, value) {
            Ok(value) => value,
            Err(err) => {
                self.deferred = Some(err);
                Value::Null
            }
        }
    }

    /// Any number (the general case of [`small_int`]).
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
                self.pos = self.word(start, b"-Infinity")?;
                return Ok(Value::Float(f64::NEG_INFINITY));
            }
            _ => return Err(self.unexpected(self.pos, "a digit")),
        }
        let int_end = self.pos;
        let mut is_float = false;
        // '.' counts only when a digit follows (else it is left as extra data).
        if self.peek() == Some(b'.')
            && matches!(self.text.as_bytes().get(self.pos + 1), Some(b'0'..=b'9'))
        {
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
        let chunk = self.text.as_bytes().get(at..at + 4)?;
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

    /// Parses a string that has escapes (or fails), `self.pos` just after its opening quote.
    #[cold]
    #[inline(never)]
    fn string_with_escapes(&mut self) -> Result<CompactString, Error> {
        let start = self.pos;
        self.pos += plain_run(self.text.as_bytes().get(start..).unwrap_or_default());
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
            self.pos += plain_run(self.text.as_bytes().get(self.pos..).unwrap_or_default());
            out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let at = self.pos;
        let c = match self.text.as_bytes().get(at + 1) {
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
                        if self.text.as_bytes().get(self.pos..self.pos + 2) != Some(b"\\u") {
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

/// A hash of a key's length and first eight bytes: equal keys have the same hash. (Keys that
/// share both take the slower way, [`Map::from_members`].)
fn key_hash(key: &[u8]) -> u64 {
    let mut head = [0u8; 8];
    for (h, &b) in head.iter_mut().zip(key) {
        *h = b;
    }
    hash(u64::from_le_bytes(head), key.len())
}

/// [`key_hash`] of the `len` bytes at `bytes[start..]`, read as one word where the text has
/// eight bytes there.
#[inline(always)]
fn key_hash_in(bytes: &[u8], start: usize, len: usize) -> u64 {
    match bytes.get(start..).and_then(<[u8]>::first_chunk::<8>) {
        Some(word) => {
            let keep = 1u64.checked_shl(8 * len as u32).map_or(u64::MAX, |b| b - 1);
            hash(u64::from_le_bytes(*word) & keep, len)
        }
        None => key_hash(bytes.get(start..start + len).unwrap_or_default()),
    }
}

#[inline(always)]
fn hash(head: u64, len: usize) -> u64 {
    (head ^ (len as u64).rotate_right(8)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The position after the JSON whitespace at `pos`.
#[inline(always)]
fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// An integer of at most 18 digits (always an `i64`) at `pos`, with no fraction or exponent
/// after it, and where it ends; else `None` (the general case is [`Parser::number`]).
#[inline(always)]
fn small_int(bytes: &[u8], pos: usize, max_digits: usize) -> Option<(i64, usize)> {
    let negative = bytes.get(pos) == Some(&b'-');
    let int_start = pos + usize::from(negative);
    let mut end = int_start;
    let mut magnitude: i64 = 0;
    // Wrapping: the value is used only for at most 18 digits.
    while let Some(&d @ b'0'..=b'9') = bytes.get(end) {
        magnitude = magnitude.wrapping_mul(10).wrapping_add(i64::from(d - b'0'));
        end += 1;
    }
    let digits = end - int_start;
    let leading_zero = digits > 1 && bytes.get(int_start) == Some(&b'0');
    if digits == 0
        || digits > 18
        || digits > max_digits
        || leading_zero
        || matches!(bytes.get(end), Some(b'.' | b'e' | b'E'))
    {
        return None;
    }
    Some((if negative { -magnitude } else { magnitude }, end))
}

/// Where the run of bytes from `at` with no `"`, `\\` or control character ends, eight bytes
/// at a time (most of a session's bytes are in such runs).
#[inline(always)]
fn plain_end(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // A byte that is zero after the xor, or below 0x20, sets its high bit in the
        // difference; bytes above the lowest such byte may too (borrows), which the lowest
        // set bit ignores. Bytes of 0x80 and more never count (`!w`: the xors keep the high
        // bit, as '"' and '\\' are ASCII).
        let hits = ((w ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES)
            | (w ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES)
            | w.wrapping_sub(ONES * 0x20))
            & !w
            & HIGHS;
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

/// The length of the leading run of `bytes` with no `"`, `\\` or control character.
fn plain_run(bytes: &[u8]) -> usize {
    plain_end(bytes, 0)
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
    let parsed = STACKS.try_with(|stacks| {
        let mut stacks = stacks.try_borrow_mut().ok()?;
        Some(parse_with_stacks(text, limits, objects, &mut stacks))
    });
    match parsed {
        Ok(Some(result)) => result,
        // Re-entered (or the thread is ending): fresh stacks.
        _ => parse_with_stacks(text, limits, objects, &mut Stacks::new()),
    }
}

#[inline(never)]
fn parse_with_stacks<O: SingleMemberObjects>(
    text: &str,
    limits: &Limits,
    objects: &O,
    stacks: &mut Stacks,
) -> Result<Value, Error> {
    let mut parser = Parser {
        text,
        pos: 0,
        limits,
        objects,
        stacks,
        deferred: None,
        keys_seen: KeysSeen::default(),
    };
    let result = parser.document();
    parser.stacks.reset();
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

    /// The map Python's `dict(pairs)` builds.
    fn python_dict(members: &[(String, i64)]) -> Vec<(String, i64)> {
        let mut dict: Vec<(String, i64)> = Vec::new();
        for (k, v) in members {
            match dict.iter_mut().find(|(dk, _)| dk == k) {
                Some(entry) => entry.1 = *v,
                None => dict.push((k.clone(), *v)),
            }
        }
        dict
    }

    fn entries(v: &Value) -> Vec<(String, i64)> {
        v.as_dict()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_i64().unwrap()))
            .collect()
    }

    fn object_text(members: &[(String, i64)]) -> String {
        let members: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        format!("{{{}}}", members.join(", "))
    }

    #[test]
    fn objects_in_arrays_follow_the_key_template_only_where_the_text_matches() {
        for (text, want) in [
            // The same keys: cloned from the template.
            (
                r#"[{"sku":1,"qty":2},{"sku":3,"qty":4}]"#,
                vec![vec![("sku", 1), ("qty", 2)], vec![("sku", 3), ("qty", 4)]],
            ),
            // A repeat of a template key, a key the template's is a prefix of, one longer than
            // a word, the same key escaped, a shorter object.
            (
                r#"[{"a":1,"b":2},{"a":3,"a":4}]"#,
                vec![vec![("a", 1), ("b", 2)], vec![("a", 4)]],
            ),
            (
                r#"[{"a":1,"b":2},{"ab":3,"b":4}]"#,
                vec![vec![("a", 1), ("b", 2)], vec![("ab", 3), ("b", 4)]],
            ),
            (
                r#"[{"price_cents":1,"b":2},{"price_centz":3,"b":4,"b":5}]"#,
                vec![
                    vec![("price_cents", 1), ("b", 2)],
                    vec![("price_centz", 3), ("b", 5)],
                ],
            ),
            (
                r#"[{"a":1,"b":2},{"\u0061":3,"b":4,"a":5}]"#,
                vec![vec![("a", 1), ("b", 2)], vec![("a", 5), ("b", 4)]],
            ),
            (
                r#"[{"a":1,"b":2},{"a":3},{"b":4,"a":5,"b":6}]"#,
                vec![
                    vec![("a", 1), ("b", 2)],
                    vec![("a", 3)],
                    vec![("b", 6), ("a", 5)],
                ],
            ),
            // Keys needing escapes never go in the template.
            (
                r#"[{"\"":1},{"\"":2,"\"":3}]"#,
                vec![vec![("\"", 1)], vec![("\"", 3)]],
            ),
        ] {
            let v = p(text).unwrap();
            let got: Vec<Vec<(String, i64)>> = v.as_list().unwrap().iter().map(entries).collect();
            let want: Vec<Vec<(String, i64)>> = want
                .into_iter()
                .map(|o| o.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                .collect();
            assert_eq!(got, want, "{text}");
        }
        // The template outlives the document; a text that ends inside a key still fails.
        assert_eq!(
            entries(&p(r#"{"sku":7}"#).unwrap()),
            [("sku".to_owned(), 7)]
        );
        assert!(p(r#"[{"sku":1},{"sku"#).is_err());
        assert!(p(r#"[{"sku":1},{"sk"#).is_err());
    }

    proptest::proptest! {
        /// Objects with repeated keys (short keys often share hash bits, and the longer ones
        /// go past a word) build the map Python's `dict(pairs)` builds.
        #[test]
        fn objects_are_python_dicts(
            members in proptest::collection::vec(("[ab]{0,2}|[ab]{8,10}", 0i64..9), 0..24)
        ) {
            let got = entries(&p(&object_text(&members)).unwrap());
            proptest::prop_assert_eq!(got, python_dict(&members));
        }

        /// Lists of objects (where the key template is used) likewise.
        #[test]
        fn objects_in_arrays_are_python_dicts(
            objects in proptest::collection::vec(
                proptest::collection::vec(("[ab]{0,2}|b[ab]{7,9}|[ab]{16,17}", 0i64..9), 0..6),
                0..6,
            )
        ) {
            let texts: Vec<String> = objects.iter().map(|o| object_text(o)).collect();
            let v = p(&format!("[{}]", texts.join(", "))).unwrap();
            for (got, members) in v.as_list().unwrap().iter().zip(&objects) {
                proptest::prop_assert_eq!(entries(got), python_dict(members));
            }
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
