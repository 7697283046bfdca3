/**
 * What ICCAM refuses in `POST rest/Reports` (contract §4 "Create"): a missing required field,
 * a value of the wrong JSON type (a string where an id belongs: ICCAM binds numbers strictly),
 * and an id that its lookup lists do not hold. Errors come back the ICCAM way, one list of
 * messages per field path: `{ errors: { "urls[0].assessment.classification": ["..."] } }`.
 * Fields the contract does not name are ignored, as a model binder does.
 */
import { isIP } from 'node:net';
import type { IccamLookupEntry, IccamLookupName } from '../iccam-standin.js';
import { hasCountryCode, hasId } from './lookups.js';

export type IccamErrors = Record<string, string[]>;

type Lookups = Record<IccamLookupName, IccamLookupEntry[]>;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;

/** contentType: 1 media, 2 website (contract §4; open). */
const CONTENT_TYPES = new Set([1, 2]);

class Checker {
  readonly errors: IccamErrors = {};

  constructor(private readonly lookups: Lookups) {}

  add(path: string, message: string): void {
    (this.errors[path] ??= []).push(message);
  }

  object(value: unknown, path: string, required = true): Record<string, unknown> | null {
    if (value === undefined || value === null) {
      if (required) this.add(path, `The ${path} field is required.`);
      return null;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.add(path, `The JSON value at ${path} could not be converted to an object.`);
      return null;
    }
    return value as Record<string, unknown>;
  }

  string(value: unknown, path: string, options: { required?: boolean } = {}): string | null {
    const required = options.required ?? true;
    if (value === undefined || value === null || value === '') {
      if (required) this.add(path, `The ${path} field is required.`);
      return null;
    }
    if (typeof value !== 'string') {
      this.add(path, `The JSON value at ${path} could not be converted to System.String.`);
      return null;
    }
    return value;
  }

  boolean(value: unknown, path: string): void {
    if (value === undefined || value === null) this.add(path, `The ${path} field is required.`);
    else if (typeof value !== 'boolean') this.add(path, `The JSON value at ${path} could not be converted to System.Boolean.`);
  }

  /** A JSON integer (never a numeric string) that the lookup list holds. */
  id(value: unknown, path: string, list: IccamLookupName): void {
    if (value === undefined || value === null) {
      this.add(path, `The ${path} field is required.`);
    } else if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.add(path, `The JSON value at ${path} could not be converted to System.Int32.`);
    } else if (!hasId(this.lookups[list], value)) {
      this.add(path, `Unknown ${list} id ${value}.`);
    }
  }

  country(value: unknown, path: string): void {
    const code = this.string(value, path);
    if (code !== null && !hasCountryCode(this.lookups.countries, code)) this.add(path, `Unknown country code '${code}'.`);
  }
}

/** The errors of a report body; empty when ICCAM would take it. */
export function validateReport(body: unknown, lookups: Lookups): IccamErrors {
  const check = new Checker(lookups);
  const report = check.object(body, '$');
  if (report === null) return check.errors;

  check.string(report.hotlineReference, 'hotlineReference');
  check.string(report.reportingAnalystName, 'reportingAnalystName');
  const received = check.string(report.hotlineReceivedDate, 'hotlineReceivedDate');
  if (received !== null && (!ISO_UTC.test(received) || Number.isNaN(Date.parse(received)))) {
    check.add('hotlineReceivedDate', 'The hotlineReceivedDate field must be an ISO 8601 UTC time ending in Z.');
  }
  check.string(report.memo, 'memo', { required: false });
  check.id(report.sourceUrlSiteType, 'sourceUrlSiteType', 'site-types');
  check.id(report.sourceUrlCommerciality, 'sourceUrlCommerciality', 'commercialities');

  const methods = report.sourceUrlPaymentMethods;
  if (methods === undefined || methods === null) check.add('sourceUrlPaymentMethods', 'The sourceUrlPaymentMethods field is required.');
  else if (!Array.isArray(methods)) check.add('sourceUrlPaymentMethods', 'The JSON value at sourceUrlPaymentMethods could not be converted to System.Int32[].');
  else methods.forEach((m, i) => check.id(m, `sourceUrlPaymentMethods[${i}]`, 'payment-methods'));

  const urls = report.urls;
  if (urls === undefined || urls === null || (Array.isArray(urls) && urls.length === 0)) {
    check.add('urls', 'The urls field is required.');
  } else if (!Array.isArray(urls)) {
    check.add('urls', 'The JSON value at urls could not be converted to a list.');
  } else {
    urls.forEach((value, i) => checkUrl(check, value, `urls[${i}]`));
  }
  return check.errors;
}

function checkUrl(check: Checker, value: unknown, at: string): void {
  const url = check.object(value, at);
  if (url === null) return;
  const urlString = check.string(url.urlString, `${at}.urlString`);
  if (urlString !== null && !/^https?:\/\/[^\s]+$/i.test(urlString)) check.add(`${at}.urlString`, 'The urlString field is not a valid http(s) URL.');
  check.boolean(url.isSourceUrl, `${at}.isSourceUrl`);
  check.string(url.hotlineReference, `${at}.hotlineReference`);
  if (url.contentType === undefined || url.contentType === null) check.add(`${at}.contentType`, `The ${at}.contentType field is required.`);
  else if (typeof url.contentType !== 'number' || !Number.isInteger(url.contentType)) {
    check.add(`${at}.contentType`, `The JSON value at ${at}.contentType could not be converted to System.Int32.`);
  } else if (!CONTENT_TYPES.has(url.contentType)) check.add(`${at}.contentType`, `Unknown contentType ${url.contentType}.`);
  check.country(url.hostingCountryCode, `${at}.hostingCountryCode`);
  const ip = check.string(url.hostingIpAddress, `${at}.hostingIpAddress`);
  if (ip !== null && isIP(ip) === 0) check.add(`${at}.hostingIpAddress`, `'${ip}' is not an IP address.`);
  check.string(url.hostingIsp, `${at}.hostingIsp`);
  const organisation = check.object(url.hostingOrganization, `${at}.hostingOrganization`);
  if (organisation !== null) check.string(organisation.organizationName, `${at}.hostingOrganization.organizationName`);
  const assessment = check.object(url.assessment, `${at}.assessment`);
  if (assessment !== null) {
    check.string(assessment.assessingAnalystName, `${at}.assessment.assessingAnalystName`);
    check.id(assessment.classification, `${at}.assessment.classification`, 'classifications');
    check.id(assessment.ageCategorization, `${at}.assessment.ageCategorization`, 'age-categories');
    check.id(assessment.genderCategorization, `${at}.assessment.genderCategorization`, 'gender-categories');
  }
}
