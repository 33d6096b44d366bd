import { AddTaskForm } from "@/components/AddTaskForm";
import { BackendFooter } from "@/components/BackendFooter";
import { TaskItem } from "@/components/TaskItem";
import { BackendError, listTasks, type Task } from "@/lib/backend";

// Rendered per request: the task list changes all the time and BACKEND_URL is read from the running pod's
// environment, never baked in at build time.
export const dynamic = "force-dynamic";

async function loadTasks(): Promise<{ tasks: Task[]; error: string | null }> {
  try {
    return { tasks: await listTasks(), error: null };
  } catch (error) {
    return { tasks: [], error: error instanceof BackendError ? error.message : "Something went wrong." };
  }
}

export default async function HomePage() {
  const { tasks, error } = await loadTasks();
  const remaining = tasks.filter((task) => !task.done).length;

  return (
    <main className="container">
      <header>
        <h1>Todo</h1>
      </header>

      <AddTaskForm />

      {error ? (
        <section className="notice" role="alert" data-testid="backend-error">
          <h2>Tasks are unavailable</h2>
          <p>{error} Please try again in a moment.</p>
        </section>
      ) : (
        <section aria-labelledby="tasks-heading">
          <h2 id="tasks-heading" className="tasks-heading">
            Tasks{" "}
            <span className="count">{tasks.length === 0 ? "" : `${remaining} of ${tasks.length} left`}</span>
          </h2>
          {tasks.length === 0 ? (
            <p className="empty" data-testid="task-list-empty">
              Nothing to do yet. Add a task above.
            </p>
          ) : (
            <ul className="tasks" data-testid="task-list">
              {tasks.map((task) => (
                <TaskItem key={task.id} task={task} />
              ))}
            </ul>
          )}
        </section>
      )}

      <BackendFooter />
    </main>
  );
}
