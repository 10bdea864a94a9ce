/* view_dataset.h: the dataset table (explorer/explorer_dataset.h) drawn
 * over the whole screen but the status line: title, progress bar (rows
 * evaluated of the total), column headers with the sort column marked
 * (v largest first, ^ smallest first), one line per row x temperature, and,
 * when every row is done, the sort score's per-temperature means, delta and
 * 95% interval from `dataset eval`'s summary. Reads the state only. */
#ifndef LS_VIEW_DATASET_H
#define LS_VIEW_DATASET_H

#include "view/view.h"
#include "explorer/explorer_dataset.h"

/* Lines of the table at this layout (for paging and scrolling). */
int view_dataset_rows(const struct view_layout *L);
void view_dataset(struct grid *g, const struct view_layout *L, const struct ex_dataset *ds);

#endif
