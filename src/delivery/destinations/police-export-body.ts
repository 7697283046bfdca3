/**
 * The body of a federal police export (contract §4). Pure. The police keep the SHA-256 the
 * body carries as proof of what they received; it is computed over the canonical JSON of the
 * body without the `sha256` field, so anyone can recompute it from what was stored.
 */
import { canonicalJson, sha256Hex } from '../../domain/canonical-json.js';
import type { HostingEvidence } from '../../domain/evidence.js';
import type { Classification, ContentType } from '../../domain/referral.js';
import type { DeliveryRequest } from './destination-adapter.js';

interface PoliceExportBody {
  handoverId: string;
  hotlineId: string;
  url: string;
  contentType: ContentType | null;
  classification: Classification;
  /** The country the routing decision rests on (BE for home hosting, else the foreign country). */
  hostingCountry: string | null;
  evidence: HostingEvidence;
  /**
   * A reappearance (issue #15): the id of our earlier handover of the same URL, whose case was
   * over (removed, failed or cancelled) before the URL was referred again; null for a first case.
   */
  reappearanceOf: string | null;
  /** SHA-256 (hex) of the canonical JSON of this body without this field. */
  sha256: string;
}

export interface BuiltPoliceExport {
  body: PoliceExportBody;
  /** The exact text sent: canonical JSON of `body` (including `sha256`). */
  canonicalJson: string;
  /** The body's own `sha256` (over the body without it). */
  sha256: string;
}

export function buildPoliceExportBody(req: DeliveryRequest): BuiltPoliceExport {
  const unsigned = {
    handoverId: req.handoverId,
    hotlineId: req.hotlineId,
    url: req.url,
    contentType: req.contentType ?? null,
    classification: req.classification,
    hostingCountry: req.decision.country ?? null,
    evidence: req.evidence,
    reappearanceOf: req.reappearanceOf ?? null,
  };
  const sha256 = sha256Hex(canonicalJson(unsigned));
  const body: PoliceExportBody = { ...unsigned, sha256 };
  return { body, canonicalJson: canonicalJson(body), sha256 };
}

/** Recompute a received body's hash (the stand-in and audits use this to check one). */
export function policeExportBodyHash(body: Record<string, unknown>): string {
  const { sha256: _ignored, ...unsigned } = body;
  return sha256Hex(canonicalJson(unsigned));
}
