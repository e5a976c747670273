namespace Samples.Web;

/// <summary>
/// The sample's only page: a feedback form, a report button that polls the status every 500 ms, the workers (from their
/// heartbeats) and a live list of task events (server-sent events).
/// </summary>
internal static class IndexPage
{
    /// <summary>The HTML, with its script inline.</summary>
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>TypedTasks samples</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; line-height: 1.5; }
    section { border: 1px solid #ccc; border-radius: 6px; padding: 1rem; margin-bottom: 1rem; }
    output { display: block; margin-top: .5rem; font-family: monospace; white-space: pre-wrap; }
  </style>
</head>
<body>
  <h1>TypedTasks samples</h1>

  <section>
    <h2>Feedback</h2>
    <form id="feedback">
      <input name="email" type="email" placeholder="you@example.com" required>
      <input name="message" placeholder="Your feedback">
      <button>Send</button>
    </form>
    <output id="feedback-out"></output>
  </section>

  <section>
    <h2>Yearly report</h2>
    <form id="report">
      <input name="year" type="number" value="2024" min="1900" max="2100" required>
      <button>Generate</button>
    </form>
    <progress id="report-bar" max="100" value="0" hidden></progress>
    <output id="report-out"></output>
  </section>

  <section>
    <h2>Workers</h2>
    <output id="workers">…</output>
  </section>

  <section>
    <h2>Task events</h2>
    <output id="events"></output>
  </section>

  <script>
    async function showWorkers() {
      const workers = await (await fetch('/workers')).json();
      document.getElementById('workers').textContent = workers.length === 0 ? 'no workers up'
        : workers.map(w => `${w.name}${w.alive ? '' : ' (lost)'}: ${w.busy}/${w.concurrency} busy, ${w.processed} done, queues ${w.queues.join(', ')}`).join('\n');
    }
    showWorkers();
    setInterval(showWorkers, 2000);

    const eventsOut = document.getElementById('events');
    new EventSource('/events').addEventListener('task', message => {
      const e = JSON.parse(message.data);
      const line = document.createElement('div');
      // Ids are time-ordered (version 7 GUIDs): their ends tell tasks apart.
      line.textContent = `${e.at.substring(11, 23)} ${e.kind} ${e.taskName.split('.').pop()} …${e.id.slice(-8)}` + (e.error ? ` ${e.error.message}` : '');
      eventsOut.prepend(line);
      while (eventsOut.childElementCount > 20) eventsOut.lastChild.remove();
    });

    const feedbackOut = document.getElementById('feedback-out');
    document.getElementById('feedback').addEventListener('submit', async event => {
      event.preventDefault();
      const form = new FormData(event.target);
      const response = await fetch('/feedback', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: form.get('email'), message: form.get('message') }),
      });
      const body = await response.json();
      feedbackOut.textContent = response.ok
        ? `Thanks! The email is on its way (task ${body.taskId}).`
        : `Error: ${body.error}`;
    });

    const reportOut = document.getElementById('report-out');
    const reportBar = document.getElementById('report-bar');
    document.getElementById('report').addEventListener('submit', async event => {
      event.preventDefault();
      const year = Number(new FormData(event.target).get('year'));
      const response = await fetch('/reports', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ year })
      });
      const body = await response.json();
      if (!response.ok) { reportOut.textContent = `Error: ${body.error}`; return; }
      poll(body.taskId);
    });

    async function poll(taskId) {
      const response = await fetch(`/reports/${taskId}/status`);
      const status = await response.json();
      if (status.status === 'SUCCESS') {
        reportBar.hidden = true;
        reportOut.innerHTML = '';
        const link = document.createElement('a');
        link.href = `/reports/${taskId}/asset`;
        link.textContent = `Download report (asset ${status.assetId})`;
        reportOut.append(link);
      } else if (status.status === 'FAILURE' || status.status === 'REVOKED') {
        reportBar.hidden = true;
        reportOut.textContent = `${status.status}: ${status.error ? status.error.message : ''}`;
      } else {
        const progress = status.progress != null ? ` ${Math.round(status.progress * 100)}% (${status.progressNote})` : '';
        const figures = status.figures ? `, ${status.figures.orders} orders so far` : '';
        reportBar.hidden = status.progress == null;
        reportBar.value = Math.round((status.progress ?? 0) * 100);
        reportOut.textContent = `${status.status}${progress}${figures}… (task ${taskId})`;
        setTimeout(() => poll(taskId), 500);
      }
    }
  </script>
</body>
</html>
""";
}
