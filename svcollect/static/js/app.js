// Progressive enhancement for GOV.UK Frontend components. Loaded as a module so that no
// inline script is needed (the Content-Security-Policy forbids inline script).
import { initAll } from '../govuk/govuk-frontend.min.js'
import { watchJobs } from './job-status.js'

document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
  initAll()
}
watchJobs()
