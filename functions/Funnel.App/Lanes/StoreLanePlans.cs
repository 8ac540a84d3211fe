using Azure;
using Azure.Data.Tables;
using Funnel.App.Storage;
using Funnel.Core.Journeys;
using Funnel.Core.Purchases;
using Funnel.Core.Scans;

namespace Funnel.App.Lanes;

internal sealed partial class StoreLanes
{
    /// <summary>What a lane's transaction is made of for one kind of work: the plan, the work's own rows first, and what to do once it committed.</summary>
    private sealed record LanePlan(IStorePlan Plan, List<(TableTransactionAction, LaneAction)> Own, Action<IReadOnlyList<Response>> Complete);

    private sealed partial class StoreLane
    {
        /// <summary>
        /// The last journey row this lane wrote or read per lead (its step version and ETag), so a journey's next step
        /// needs no read. Version 0 with no ETag: no row. Bounded: forgotten wholesale when it grows large (a forgotten
        /// row costs one read).
        /// </summary>
        private readonly Dictionary<string, (int Version, ETag ETag)> _journeyRows = new(StringComparer.Ordinal);

        private const int MaxJourneyRowsKnown = 20_000;

        private static LanePlan PlanScans(LaneState state, List<PendingScan> scans, DateTimeOffset now)
        {
            var plan = ScanPlanner.Plan(state.Policy, state.Groups, [.. scans.Select(p => p.Input)], now, MaxTransactionActions);
            return new(plan, [], _ =>
            {
                for (var i = 0; i < plan.Accepted; i++) scans[i].Complete(new ScanCommit(plan.Results[i]));
            });
        }

        private LanePlan PlanPurchases(LaneState state, List<PendingPurchase> purchases)
        {
            var plan = PurchasePlanner.Plan(state.Policy, state.Groups, [.. purchases.Select(p => p.Input)], MaxTransactionActions);
            var own = new List<(TableTransactionAction, LaneAction)>(plan.Accepted);
            foreach (var p in purchases.Take(plan.Accepted))
            {
                own.Add((new TableTransactionAction(TableTransactionActionType.Add, PurchaseRow(p)), LaneAction.Insert(p)));
                if (p.RefundedSale is { } sale) own.Add((new TableTransactionAction(TableTransactionActionType.UpdateMerge, sale.Entity, sale.ETag), LaneAction.RefundedSale(p)));
            }
            return new(plan, own, _ =>
            {
                for (var i = 0; i < plan.Accepted; i++) purchases[i].Complete(new PurchaseCommit(false, plan.Results[i]));
            });
        }

        /// <summary>
        /// The steps of the run that still need writing, one per lead (a second step of the same lead waits for the next
        /// transaction). A step whose journey row already shows its version was written before (a retried activity):
        /// it is answered with the journey as stored and written not again.
        /// </summary>
        private async Task<List<PendingWork>> TakeStepsToWriteAsync(List<PendingWork> batch, List<PendingStep> steps, LaneState state)
        {
            if (_journeyRows.Count > MaxJourneyRowsKnown) _journeyRows.Clear();
            var take = new List<PendingWork>();
            var leads = new HashSet<string>(StringComparer.Ordinal);
            foreach (var step in steps)
            {
                if (!leads.Add(step.JourneyLeadId)) continue;
                if (!_journeyRows.TryGetValue(step.JourneyLeadId, out var row) || row.Version >= step.Step.Version)
                {
                    var stored = await _owner._journeys.ReadWithStepAsync(_storeId, step.JourneyLeadId, _owner._stopping.Token);
                    row = stored is { } s ? (s.State.Version, s.ETag) : (0, default);
                    _journeyRows[step.JourneyLeadId] = row;
                    if (stored is { } written && written.State.Version >= step.Step.Version)
                    {
                        // This very step, written before: nothing to do. Another step of that version or later (one whose
                        // commit was given up after it was written): the journey decides again from what is stored.
                        var repeat = written.State.Version == step.Step.Version && written.Step == step.Fingerprint;
                        batch.Remove(step);
                        step.Complete(new StepCommit(written.State, state.Settings, Repeated: repeat, Conflict: !repeat));
                        continue;
                    }
                }
                take.Add(step);
            }
            return take;
        }

        /// <summary>
        /// Journey steps: each journey row written conditionally on the row this lane knows (inserted for a new journey,
        /// so a stale or repeated step fails there, first in the transaction), with its tasks, counts and cohort seat.
        /// </summary>
        private LanePlan PlanSteps(LaneState state, List<PendingStep> steps)
        {
            var plan = JourneyStepPlanner.Plan(state.Policy, state.Groups, [.. steps.Select(p => p.Step)], MaxTransactionActions);
            var own = new List<(TableTransactionAction, LaneAction)>(plan.ActionCount);
            for (var i = 0; i < plan.Accepted; i++)
            {
                var write = plan.Writes[i];
                var known = _journeyRows[write.LeadId];
                JourneyTransaction.Add(own, _storeId, write, steps[i].Fingerprint, known.Version == 0 ? null : known.ETag);
            }
            return new(plan, own, responses =>
            {
                foreach (var (lead, etag) in JourneyTransaction.JourneyETags(own, responses))
                {
                    _journeyRows[lead] = (plan.Writes.First(w => w.LeadId == lead).After.Version, etag);
                }
                for (var i = 0; i < plan.Accepted; i++) steps[i].Complete(new StepCommit(plan.Writes[i].After, state.Settings, Repeated: false));
            });
        }

        /// <summary>Storage refused a transaction at <paramref name="failed"/>: fix what made it refuse, so the next round makes progress.</summary>
        private async Task RecoverAsync(int status, LaneAction? failed, List<PendingWork> batch, string reason)
        {
            if (failed?.JourneyLeadId is { } journeyLead)
            {
                // The journey row is not as this lane last saw it (another instance, or a repeat of a step already
                // written): forget it, so the next round reads it again and finds the step written or writes it.
                _journeyRows.Remove(journeyLead);
                if (!failed.IsJourneyRow || status is not (StatusCodes.Status412PreconditionFailed or StatusCodes.Status409Conflict))
                {
                    // Storage will not take this journey's task rows as planned: fail the step (the orchestration
                    // retries it, then goes on without it) rather than retry it forever, and let the neighbours through.
                    var notWritten = new InvalidOperationException($"Store {_storeId}: storage refused the rows of a journey ({status}): {reason}");
                    foreach (var p in batch.OfType<PendingStep>().Where(p => p.JourneyLeadId == journeyLead).ToList())
                    {
                        batch.Remove(p);
                        p.Fail(notWritten);
                    }
                }
                return;
            }
            if (failed?.RefundedSaleOf is PendingPurchase refund)
            {
                // Another refund of the same sale committed since this one read it: the refund reads it again (retried).
                batch.Remove(refund);
                refund.Fail(new RefundedSaleChangedException(refund.Input.Purchase.RefundOf ?? "?"));
                return;
            }
            if (failed?.InsertOf is PendingPurchase repeated && status == StatusCodes.Status409Conflict)
            {
                // The purchase record (or credit marker) exists: this part was applied before.
                batch.Remove(repeated);
                repeated.Complete(new PurchaseCommit(true, null));
                return;
            }
            if (failed?.InsertOf is PendingPurchase refused && status is >= 400 and < 500 and not StatusCodes.Status412PreconditionFailed)
            {
                // Storage will never take this row (e.g. a value out of its range): fail the item, not its neighbours.
                batch.Remove(refused);
                refused.Fail(new Purchases.PurchaseRejectedException($"Storage refused the purchase record ({status}): {reason}"));
                return;
            }
            if (failed?.MemberLeadId is { } leadId)
            {
                // The membership changed since it was read (another batch, instance or a retry of the same scan):
                // read it again; a retried scan id then shows up in it and is answered as a replay.
                var member = await _owner._leads.ReadMemberAsync(_storeId, leadId, _owner._stopping.Token);
                RememberMember(leadId, member);
                foreach (var p in batch.Where(p => p.LeadId == leadId))
                {
                    p.Refresh(member?.Member, member?.ETag ?? default);
                }
                return;
            }
            // A group or counter row moved under us (another instance or writer): read the partition again.
            State = null;
        }

        private TableEntity PurchaseRow(PendingPurchase p)
        {
            var purchase = p.Input.Purchase;
            var key = p.Input.Part switch
            {
                PurchasePart.Sale => StoreRows.PurchaseKey(purchase.PurchaseId),
                PurchasePart.Credit => StoreRows.CreditKey(purchase.StoreId, purchase.PurchaseId),
                _ => StoreRows.ConflictKey(purchase.PurchaseId, (string)p.Record["Fingerprint"]!),
            };
            var row = new TableEntity(_storeId, key);
            foreach (var (name, value) in p.Record) row[name] = value;
            return row;
        }
    }
}
