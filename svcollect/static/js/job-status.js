// Status pages of background jobs (evidence packs, imports) watch themselves without ever
// reloading: a page that reloads itself fails WCAG 2.2.1 (W3C failure F41), since a
// screen reader starts again from the top each time. See svcollect/web/job_pages.py.
//
// While the job waits or runs, the same page is fetched every few seconds: the progress
// line (a polite live region) is updated in place, so only the new figure is announced,
// and the parts marked data-app-job-part (the status tag) are replaced. Once the job has
// finished, the finished page's content takes the place of the region and focus moves to
// its error summary or heading, so the outcome is announced once. Without script, the
// page's "Check progress" link does the same by hand.

const MAX_BACK_OFF = 8

function replaceParts (region, fresh) {
  for (const part of region.querySelectorAll('[data-app-job-part]')) {
    const name = part.getAttribute('data-app-job-part')
    const next = fresh.querySelector(`[data-app-job-part="${CSS.escape(name)}"]`)
    if (next) part.replaceWith(document.importNode(next, true))
  }
}

function finish (region, fresh, title) {
  region.replaceChildren(...[...fresh.childNodes].map((node) => document.importNode(node, true)))
  region.removeAttribute('data-app-poll')
  document.title = title
  const target = region.querySelector('.govuk-error-summary') || region.querySelector('h1')
  if (target) {
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1')
    target.focus()
  }
}

export function watchJob (region) {
  const url = region.getAttribute('data-app-poll')
  const seconds = Number(region.getAttribute('data-app-poll-seconds')) || 3
  let failures = 0
  const later = () => window.setTimeout(check, seconds * 1000 * Math.min(2 ** failures, MAX_BACK_OFF))

  async function check () {
    let page
    try {
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' })
      if (response.redirected) return // signed out, say: leave the page as it is
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      page = new DOMParser().parseFromString(await response.text(), 'text/html')
    } catch (error) {
      failures += 1 // the server is busy or away: try again, less often; the link still works
      later()
      return
    }
    failures = 0
    const fresh = page.getElementById(region.id)
    if (!fresh) return // not a status page any more: leave the page as it is
    if (!fresh.hasAttribute('data-app-poll')) {
      finish(region, fresh, page.title)
      return
    }
    const live = region.querySelector('[data-app-job-progress]')
    const next = fresh.querySelector('[data-app-job-progress]')
    if (live && next && live.textContent !== next.textContent) live.textContent = next.textContent
    replaceParts(region, fresh)
    later()
  }

  later()
}

export function watchJobs (root = document) {
  for (const region of root.querySelectorAll('[data-app-poll]')) watchJob(region)
}
