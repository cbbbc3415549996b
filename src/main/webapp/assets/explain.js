// The try-it page: sends the URLs to /explain and draws its answer. No framework, no build step, nothing from another
// origin. Every value from the server or the address bar is written as text, never as markup.
'use strict';

(function () {
  /** Each outcome, as /explain and the metrics name it, with a few words for the legend. */
  const OUTCOMES = [
    ['ok', 'merged'],
    ['late', 'too slow: left out'],
    ['http_error', 'answered a non-2xx status'],
    ['invalid_body', 'not {"numbers":[…]}'],
    ['too_large', 'body over the limit'],
    ['connect_error', 'no connection'],
    ['refused', 'refused by the address policy'],
    ['too_many_origins', 'over the origin limit'],
  ];
  const MIN_FIELDS = 3;

  const $ = (id) => document.getElementById(id);
  const form = $('explain-form');
  const list = $('url-list');
  let config = null;
  /** Numbers each request, so that an older answer arriving late never replaces a newer one. */
  let sequence = 0;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function ms(value) {
    return value === null || value === undefined ? '–' : value.toFixed(1);
  }

  // ---- the form

  function fields() {
    return Array.from(list.querySelectorAll('input[name="u"]'));
  }

  function addField() {
    const index = fields().length + 1;
    const item = element('li');
    const label = element('label', null, 'URL ' + index);
    const input = element('input');
    input.id = 'u' + index;
    input.name = 'u';
    input.type = 'url';
    input.inputMode = 'url';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.setAttribute('aria-describedby', 'url-hint');
    label.htmlFor = input.id;
    item.append(label, ' ', input);
    list.append(item);
    return input;
  }

  /** Fills the fields with these URLs, keeping at least one empty field after them. */
  function fill(urls) {
    while (fields().length < Math.max(MIN_FIELDS, urls.length + 1)) {
      addField();
    }
    fields().forEach((input, i) => {
      input.value = i < urls.length ? urls[i] : '';
    });
  }

  function entered() {
    return fields().map((input) => input.value.trim()).filter((value) => value !== '');
  }

  function query(urls) {
    return urls.map((url) => 'u=' + encodeURIComponent(url)).join('&');
  }

  function fromAddress() {
    return new URLSearchParams(window.location.search).getAll('u').map((u) => u.trim()).filter((u) => u !== '');
  }

  // ---- messages

  function say(text) {
    $('status').textContent = text;
  }

  function fail(text) {
    const error = $('error');
    error.textContent = text;
    error.hidden = text === '';
  }

  // ---- talking to the server

  async function json(response) {
    try {
      return await response.json();
    } catch (e) {
      return null;
    }
  }

  async function send(urls) {
    fail('');
    if (urls.length === 0) {
      say('Enter at least one URL.');
      return;
    }
    const mine = ++sequence;
    say('Fetching ' + urls.length + (urls.length === 1 ? ' URL' : ' URLs') + '…');
    $('result').setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(config.explain + '?' + query(urls), {
        headers: {Accept: 'application/json'},
        cache: 'no-store',
      });
      const body = await json(response);
      if (mine !== sequence) {
        return;
      }
      if (!response.ok || body === null) {
        say('');
        fail((body && body.detail ? body.detail : 'The service answered ' + response.status) + '.');
        return;
      }
      render(body);
      const merged = body.upstreams.filter((u) => u.outcome === 'ok').length;
      say('Answered at ' + ms(body.answeredMs) + ' ms: ' + merged + ' of ' + body.upstreams.length
        + ' upstreams merged.');
    } catch (e) {
      if (mine === sequence) {
        say('');
        fail('The request failed: ' + e.message);
      }
    } finally {
      if (mine === sequence) {
        $('result').removeAttribute('aria-busy');
      }
    }
  }

  // ---- drawing the answer

  function percent(value, budget) {
    return Math.min(100, Math.max(0, (value / budget) * 100));
  }

  /** Tick spacing of 1, 2 or 5 times a power of ten, for three to six ticks. */
  function step(budget) {
    const raw = budget / 6;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    return [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw);
  }

  function drawScale(budget) {
    const scale = $('scale');
    scale.replaceChildren();
    const every = step(budget);
    for (let t = 0; t <= budget + 1e-9; t += every) {
      const tick = element('span', 'tick', t + (t === 0 ? '' : ' ms'));
      tick.style.left = percent(t, budget) + '%';
      scale.append(tick);
    }
  }

  /** One attempt in words: "retry ok 200 2.2–9.8", "first late 0.7–pending". */
  function attemptText(attempt) {
    return attempt.kind + ' ' + attempt.outcome + (attempt.status ? ' ' + attempt.status : '') + ' '
      + ms(attempt.startMs) + '–' + (attempt.endMs === null ? 'pending' : ms(attempt.endMs));
  }

  function describe(upstream) {
    const status = upstream.status ? ' ' + upstream.status : '';
    const span = upstream.endMs === null
      ? 'sent at ' + ms(upstream.startMs) + ' ms, still pending when the answer was written'
      : 'from ' + ms(upstream.startMs) + ' to ' + ms(upstream.endMs) + ' ms';
    const attempts = upstream.attempts.length > 1
      ? ', ' + upstream.attempts.length + ' requests: ' + upstream.attempts.map(attemptText).join(', ') : '';
    return upstream.url + ': ' + upstream.outcome + status + ', ' + span + ', '
      + upstream.contributed + (upstream.contributed === 1 ? ' number' : ' numbers') + ' merged' + attempts;
  }

  /**
   * An upstream sent more than one request (a retry, a hedge): a thin line per request under its bar, coloured by how
   * that request ended, and a tick where each request after the first left.
   */
  function drawAttempts(track, upstream, budget) {
    if (upstream.attempts.length < 2) {
      return;
    }
    track.classList.add('several');
    upstream.attempts.forEach((attempt, i) => {
      const start = percent(attempt.startMs, budget);
      const end = percent(attempt.endMs === null ? budget : attempt.endMs, budget);
      const line = element('span', 'attempt outcome-' + attempt.outcome);
      line.dataset.kind = attempt.kind;
      line.dataset.outcome = attempt.outcome;
      line.title = attemptText(attempt);
      if (attempt.endMs === null) {
        line.classList.add('pending');
      }
      line.style.left = start + '%';
      line.style.width = (end - start) + '%';
      line.style.bottom = (0.1 + 0.3 * (upstream.attempts.length - 1 - i)) + 'rem';
      track.append(line);
      if (i > 0) {
        const tick = element('span', 'attempt-start');
        tick.style.left = start + '%';
        tick.title = attempt.kind + ' sent at ' + ms(attempt.startMs) + ' ms';
        track.append(tick);
      }
    });
  }

  function drawLane(upstream, budget) {
    const lane = element('li', 'lane');
    const label = element('span', 'lane-label');
    const url = element('span', 'lane-url', upstream.url);
    url.title = upstream.url;
    const outcome = element('span', 'lane-outcome', upstream.outcome + (upstream.status ? ' ' + upstream.status : ''));
    label.append(url, ' ', outcome);
    const track = element('span', 'track');
    const bar = element('span', 'bar outcome-' + upstream.outcome);
    bar.dataset.url = upstream.url;
    bar.dataset.outcome = upstream.outcome;
    bar.setAttribute('role', 'img');
    bar.setAttribute('aria-label', describe(upstream));
    const start = upstream.startMs === null ? 0 : upstream.startMs;
    const end = upstream.endMs === null ? budget : upstream.endMs;
    if (upstream.endMs === null) {
      bar.classList.add('pending');
    }
    bar.style.left = percent(start, budget) + '%';
    bar.style.width = (percent(end, budget) - percent(start, budget)) + '%';
    track.append(bar);
    drawAttempts(track, upstream, budget);
    lane.append(label, track);
    return lane;
  }

  function mark(id, className, at, budget, text) {
    const line = element('div', 'mark ' + className);
    line.id = id;
    line.style.left = percent(at, budget) + '%';
    if (percent(at, budget) < 50) {
      line.classList.add('flip'); // the label goes right of the line
    }
    line.setAttribute('role', 'img');
    line.setAttribute('aria-label', text);
    line.append(element('span', 'mark-label', text));
    return line;
  }

  function drawLegend() {
    const legend = $('legend');
    if (legend.childElementCount > 0) {
      return;
    }
    for (const [outcome, words] of OUTCOMES) {
      const item = element('li');
      const swatch = element('span', 'swatch outcome-' + outcome);
      swatch.setAttribute('aria-hidden', 'true');
      item.append(swatch, element('span', 'legend-name', outcome), ' ' + words);
      legend.append(item);
    }
  }

  function drawTable(upstreams) {
    const rows = $('upstream-rows');
    rows.replaceChildren();
    for (const upstream of upstreams) {
      const row = element('tr');
      const url = element('th', 'url', upstream.url);
      url.scope = 'row';
      const attempts = element('td', 'attempts');
      attempts.append(...upstream.attempts.map((a) => element('span', 'attempt-text', attemptText(a))));
      row.append(url,
        element('td', null, upstream.outcome),
        element('td', 'num', upstream.status ? String(upstream.status) : '–'),
        element('td', 'num', ms(upstream.startMs)),
        element('td', 'num', upstream.endMs === null ? 'pending' : ms(upstream.endMs)),
        element('td', 'num', String(upstream.contributed)),
        attempts);
      rows.append(row);
    }
  }

  function render(answer) {
    const budget = answer.budgetMs;
    const merged = answer.upstreams.filter((u) => u.outcome === 'ok').length;
    const cutoff = answer.cutoffMs === null ? 'nothing to fetch' : 'cutoff at ' + ms(answer.cutoffMs) + ' ms';
    $('summary').textContent = merged + ' of ' + answer.upstreams.length + ' upstreams merged · ' + cutoff
      + ' · answered at ' + ms(answer.answeredMs) + ' ms · budget ' + budget + ' ms';
    $('numbers').textContent = answer.numbers.length === 0 ? '(none)' : answer.numbers.join(', ');

    drawScale(budget);
    const lanes = $('lanes');
    lanes.replaceChildren(...answer.upstreams.map((u) => drawLane(u, budget)));
    const marks = $('marks');
    marks.replaceChildren();
    if (answer.cutoffMs !== null) {
      marks.append(mark('cutoff-line', 'cutoff', answer.cutoffMs, budget, 'cutoff ' + ms(answer.cutoffMs) + ' ms'));
    }
    marks.append(mark('answered-line', 'answered', answer.answeredMs, budget,
      'answered ' + ms(answer.answeredMs) + ' ms' + (answer.answeredMs > budget ? ', after the budget' : '')));
    drawLegend();
    drawTable(answer.upstreams);

    const skipped = $('skipped');
    skipped.hidden = answer.skipped.length === 0;
    skipped.textContent = 'Skipped, not absolute http or https URLs: ' + answer.skipped.join(' · ');
    $('result').hidden = false;
  }

  // ---- start

  async function start() {
    $('add-url').addEventListener('click', () => addField().focus());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!config || !config.explain) {
        return;
      }
      const urls = entered();
      const search = query(urls);
      window.history.pushState(null, '', search === '' ? window.location.pathname : '?' + search);
      send(urls);
    });
    window.addEventListener('popstate', () => {
      const urls = fromAddress();
      fill(urls);
      if (config && config.explain && urls.length > 0) {
        send(urls);
      }
    });

    try {
      const response = await fetch('try-it.json', {headers: {Accept: 'application/json'}, cache: 'no-store'});
      config = await json(response);
      if (!response.ok || config === null) {
        throw new Error('the server answered ' + response.status);
      }
    } catch (e) {
      config = null;
      fail('This page cannot reach its server (try-it.json: ' + e.message + ').');
      return;
    }
    $('budget').textContent = String(config.budgetMs);
    if (!config.explain) {
      $('send').disabled = true;
      say('The explain endpoint is switched off on this server (numbers.explainPath).');
      return;
    }
    const urls = fromAddress();
    if (urls.length > 0) {
      fill(urls);
      send(urls);
    } else if (config.examples.length > 0) {
      fill(config.examples.map((example) => {
        try {
          return new URL(example, document.baseURI).href;
        } catch (e) {
          return example;
        }
      }));
      say('Filled with this server\'s examples: press Send.');
    }
  }

  start();
}());
