import { removeTask, setTaskDone } from "@/app/actions";
import type { Task } from "@/lib/backend";

// Plain forms posting to Server Actions: they work before (and without) client JavaScript, and the browser only
// ever talks to this Next.js server.
export function TaskItem({ task }: { task: Task }) {
  return (
    <li
      className={task.done ? "task task-done" : "task"}
      data-testid="task-item"
      data-task-id={task.id}
      data-done={task.done ? "true" : "false"}
    >
      <form action={setTaskDone} className="task-toggle">
        <input type="hidden" name="id" value={task.id} />
        <input type="hidden" name="done" value={task.done ? "false" : "true"} />
        <button
          type="submit"
          className="toggle"
          aria-pressed={task.done}
          aria-label={task.done ? `Mark "${task.title}" as not done` : `Mark "${task.title}" as done`}
          data-testid="task-toggle"
        >
          <span aria-hidden="true">{task.done ? "✓" : ""}</span>
        </button>
      </form>
      <span className="task-title" data-testid="task-title">
        {task.title}
      </span>
      <form action={removeTask} className="task-delete">
        <input type="hidden" name="id" value={task.id} />
        <button
          type="submit"
          className="delete"
          aria-label={`Delete "${task.title}"`}
          data-testid="task-delete"
        >
          Delete
        </button>
      </form>
    </li>
  );
}
