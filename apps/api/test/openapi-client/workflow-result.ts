/** What the generated-client workflow saw (kept apart from the generated types, so the suite type-checks before they exist). */
export interface WorkflowResult {
  created: { id: string };
  createdStatus: number;
  location: string | null;
  tagIds: string[];
  firstPage: string[];
  secondPage: string[];
  total: number | undefined;
  updatedEtag: string | null;
  staleStatus: number;
  staleCode: string | undefined;
  archivedAt: string | null;
  restoredAt: string | null;
  deleteStatus: number;
  afterDeleteStatus: number;
}
